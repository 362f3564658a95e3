import type { Logger } from '../log';
import { EpisodeLog, type EpisodeLogOptions } from '../util/episode-log';

type Lines = (
  started: string,
  cleared: string,
  more?: Pick<EpisodeLogOptions, 'level' | 'summaryEveryMs'>,
) => EpisodeLog;

/**
 * The episode logs of one adapter (one warning per episode of a repeating problem): each on the
 * adapter's logger and clock, so each names only its own lines.
 */
export function episodeLogs(log: Logger, now: () => number): Lines {
  return (started, cleared, more = {}) => new EpisodeLog({ log, now, started, cleared, ...more });
}
