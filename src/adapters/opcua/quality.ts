import type { StatusCode } from 'node-opcua';
import '../../util/opcua-log';
import type { Quality } from '../../domain/quality';

/**
 * An OPC UA StatusCode's quality, from its severity bits (the top two): Good (incl. GoodClamped
 * and overflow-flagged values), Uncertain, or Bad. node-opcua's `isGood()` is false for
 * GoodClamped, so it is not used.
 */
export function qualityOfStatus(status: StatusCode | number): Exclude<Quality, 'stale'> {
  const value = typeof status === 'number' ? status : status.value;
  const severity = value >>> 30;
  if (severity === 0) return 'good';
  if (severity === 1) return 'uncertain';
  return 'bad';
}
