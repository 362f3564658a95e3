import type { EpisodeLog } from '../../util/episode-log';

/**
 * How long an overloaded device's ticks must go unskipped before its polls count as on time
 * again (and at least ten poll intervals).
 */
export const ON_TIME_AGAIN_MS = 5000;

/**
 * Which devices are slower than their poll interval: skipped ticks counted per device, one
 * warning per episode (the EpisodeLog), and its end only once the device's ticks have gone
 * unskipped for ON_TIME_AGAIN_MS. A device just at the edge of its interval is on time at one
 * tick and skipped at the next; ending the episode at each on-time tick logged a warning and an
 * info line per device several times a second (issue 25's benchmark: 440 lines and 1,300 health
 * reports in 5 s).
 */
export class PollOverloads {
  readonly skipped: Record<string, number> = {};
  private readonly onTimeSince = new Map<string, number>();

  constructor(
    private readonly episodes: EpisodeLog,
    private readonly now: () => number,
  ) {}

  /** A tick of the device skipped: its previous poll still waits. True when an episode starts. */
  skippedTick(device: { name: string; pollIntervalMs: number }): boolean {
    this.onTimeSince.delete(device.name);
    const n = (this.skipped[device.name] ?? 0) + 1;
    this.skipped[device.name] = n;
    return this.episodes.occurred(device.name, {
      device: device.name,
      pollIntervalMs: device.pollIntervalMs,
      skippedPolls: n,
    });
  }

  /**
   * A tick of the device found nothing of it queued or running. True when that ended an episode
   * (it has held long enough).
   */
  onTimeTick(device: { name: string; pollIntervalMs: number }): boolean {
    if (!this.episodes.active(device.name)) return false;
    const now = this.now();
    const since = this.onTimeSince.get(device.name);
    if (since === undefined) {
      this.onTimeSince.set(device.name, now);
      return false;
    }
    if (now - since < Math.max(ON_TIME_AGAIN_MS, 10 * device.pollIntervalMs)) return false;
    this.onTimeSince.delete(device.name);
    this.episodes.cleared(device.name, { device: device.name });
    return true;
  }

  /** Devices in an episode now. */
  overloaded(): string[] {
    return this.episodes.keys();
  }

  /** Skipped ticks in the device's current episode. */
  count(device: string): number {
    return this.episodes.count(device);
  }
}
