import { InvalidArgumentError } from 'commander';
import { MAX_SIGNAL_HOURS } from '../api/heat-signal-view';

/** Parsers of the command line's option values (src/cli/main.ts): each says what it expected. */

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected a TCP port from 0 to 65535');
  }
  return port;
}

export function parseOffset(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || Math.abs(n) > 65535)
    throw new InvalidArgumentError('expected a whole number of ports, e.g. 100');
  return n;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number > 0');
  return n;
}

export function parseNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer ≥ 0');
  return n;
}

export function parseHours(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SIGNAL_HOURS)
    throw new InvalidArgumentError(
      `expected a whole number of hours from 1 to ${MAX_SIGNAL_HOURS}`,
    );
  return n;
}
