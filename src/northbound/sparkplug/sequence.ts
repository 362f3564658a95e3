import type { Logger } from '../../log';
import { readStateFile, StateFileWriter } from '../../util/state-file';

/**
 * Sparkplug's two counters, both 0–255 wrapping. `seq` numbers every message of the edge node
 * after its NBIRTH (which carries 0): DBIRTH, NDATA, DDATA, DDEATH. `bdSeq` ties an NBIRTH to
 * its NDEATH (the MQTT will registered with the same CONNECT): one per MQTT session, kept in a
 * state file so a restarted HeatBridge never reuses the last session's.
 */
export class SeqCounter {
  private n = 0;

  /** On (re)birth: the NBIRTH takes 0. */
  reset(): number {
    this.n = 1;
    return 0;
  }

  /** The next message's seq. */
  next(): number {
    const v = this.n;
    this.n = (this.n + 1) % 256;
    return v;
  }

  /** The seq the next message will carry. */
  get upcoming(): number {
    return this.n;
  }
}

interface BdSeqState {
  nextBdSeq: number;
}

function parseState(text: string): BdSeqState {
  const v = JSON.parse(text) as Partial<BdSeqState>;
  const n = v.nextBdSeq;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 255)
    throw new Error('nextBdSeq must be an integer from 0 to 255');
  return { nextBdSeq: n };
}

/**
 * The bdSeq of the next MQTT session, from the state file. A session's bdSeq is committed (the
 * file then names the one after it) once the broker accepted the CONNECT carrying its will:
 * an attempt that never reached the broker registered no will, so its number is used again.
 */
export class BdSeqStore {
  private nextValue = 0;
  private readonly writer: StateFileWriter;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.writer = new StateFileWriter(file, 'the Sparkplug bdSeq', log);
  }

  load(): void {
    const read = readStateFile(this.file, parseState, this.now());
    if (!read.found) return;
    if ('error' in read) {
      // Starting from 0 may repeat an old bdSeq: a host then takes an old NDEATH for this session
      // only if that NDEATH arrives late, which a broker that delivered it at the time does not do.
      this.log.warn(
        { file: this.file, error: read.error, setAsideAs: read.setAsideAs },
        'Sparkplug state file unreadable; bdSeq starts from 0',
      );
      return;
    }
    this.nextValue = read.value.nextBdSeq;
  }

  /** The bdSeq for the session about to connect. */
  get next(): number {
    return this.nextValue;
  }

  /** The broker accepted a session with `used`: the next one takes the number after it. */
  commit(used: number): void {
    this.nextValue = (used + 1) % 256;
    this.writer.write(`${JSON.stringify({ nextBdSeq: this.nextValue })}\n`, this.now());
  }
}
