import type { SampleValue } from './sample';
import type { WriteCommand } from './write-command';

/** Why the write guard refused a write (the audit trail's `code`). */
export type RejectCode =
  'read-only-site' | 'unknown-point' | 'not-writable' | 'wrong-type' | 'not-finite';

/** What became of one write: sent, refused by the write guard, or failed at the device. */
export interface WriteOutcome {
  command: WriteCommand;
  status: 'written' | 'rejected' | 'failed';
  /** The value sent (after clamping), when one was. */
  value?: SampleValue;
  adjusted?: string[];
  reason?: string;
  code?: RejectCode;
  at: number;
}
