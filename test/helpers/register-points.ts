/**
 * A site file's `points:` lines for `n` uint16 holding registers, point r<i> at register i: the
 * register-per-point Modbus job of the pipeline tests and the benchmarks (issue 25).
 */
export function holdingRegisterPoints(n: number): string {
  return Array.from(
    { length: n },
    (_, i) => `      - { name: r${i}, table: holding, register: ${i}, type: uint16, unit: count }`,
  ).join('\n');
}
