/**
 * A seeded pseudo-random generator (mulberry32) whose whole state is one 32-bit integer, so it
 * lives inside the plant state and a simulation is reproducible from its seed alone.
 */
export function nextRandom(seed: number): { value: number; seed: number } {
  const next = (seed + 0x6d2b79f5) | 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, seed: next };
}

/** A standard normal sample (Box–Muller) and the advanced seed. */
export function nextGaussian(seed: number): { value: number; seed: number } {
  const a = nextRandom(seed);
  const b = nextRandom(a.seed);
  const u = Math.max(a.value, 1e-12);
  return { value: Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * b.value), seed: b.seed };
}
