/**
 * Instants for tests that store data in a server whose clock they do not control: influxd and
 * VictoriaMetrics keep points only inside a retention window measured from *their* now (raw
 * 720 h here), and, as Go programs, read the clock without libc, so libfaketime does not move it.
 * A calendar date in such a test works for a few weeks and then every point is silently dropped.
 * So these tests take every instant from here, relative to the moment they run.
 *
 * ESLint rejects literal calendar dates in those tests (see eslint.config.mjs) so the trap cannot
 * come back.
 */

const HOUR_MS = 3_600_000;

/**
 * The start of a whole hour `hoursAgo` hours (or a little more) before now: well inside any
 * retention window, behind every continuous query's own run (they only look at the last
 * interval), and aligned so that minute and 10-second windows start at it. Tests add offsets of
 * up to an hour to it and still stay in the past.
 */
export function recentHour(hoursAgo = 2, now: number = Date.now()): number {
  if (!Number.isInteger(hoursAgo) || hoursAgo < 2)
    throw new Error(`recentHour(${hoursAgo}): at least 2 whole hours back, so offsets stay past`);
  return Math.floor(now / HOUR_MS) * HOUR_MS - hoursAgo * HOUR_MS;
}
