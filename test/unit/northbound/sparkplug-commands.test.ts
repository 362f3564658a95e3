import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  CommandInbox,
  MAX_LOGGED_NAME,
  MAX_REFUSAL_KEYS,
  REBIRTH_MIN_INTERVAL_MS,
  RebirthLimiter,
  RefusedWrites,
  UNDECODABLE_WARN_EVERY_MS,
  UndecodableCommands,
} from '../../../src/northbound/sparkplug/commands';
import { encodePayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import { memoryLogger } from '../../helpers/logger';

/**
 * NCMD/DCMD come from anyone the broker lets publish on the command topics: what HeatBridge
 * remembers and logs about them must stay bounded however many and however long they are.
 */

const levels = (lines: Record<string, unknown>[], level: string) =>
  lines.filter((l) => l.level === level);

describe('refused DCMDs', () => {
  it('warns once per device and metric set, with names clipped and the list shortened', () => {
    const { log, lines } = memoryLogger('debug');
    const refused = new RefusedWrites(log);
    const long = 'x'.repeat(5000);
    const many = Array.from({ length: 50 }, (_, i) => `m${i}`);
    refused.record(long, [long, ...many]);
    refused.record(long, [long, ...many]);
    expect(refused.count).toBe(2);
    const warns = levels(lines(), 'warn');
    expect(warns).toHaveLength(1);
    // The repeat is a debug line.
    expect(levels(lines(), 'debug')).toHaveLength(1);
    const w = warns[0]!;
    expect(String(w.device).length).toBeLessThan(MAX_LOGGED_NAME + 40);
    expect(String(w.device)).toContain('(5000 characters)');
    expect((w.metrics as string[]).length).toBe(10);
    expect(w.moreMetrics).toBe(41);
    expect(JSON.stringify(w).length).toBeLessThan(2000);
  });

  it('remembers at most MAX_REFUSAL_KEYS sets; new ones after that are counted, one warning says so', () => {
    const { log, lines } = memoryLogger('debug');
    const refused = new RefusedWrites(log);
    for (let i = 0; i < MAX_REFUSAL_KEYS + 500; i++) refused.record(`dev${i}`, ['m']);
    expect(refused.count).toBe(MAX_REFUSAL_KEYS + 500);
    const warns = levels(lines(), 'warn');
    // One per remembered set, and one saying that further ones are only counted.
    expect(warns).toHaveLength(MAX_REFUSAL_KEYS + 1);
    expect(warns.filter((l) => String(l.msg).includes('only counted'))).toHaveLength(1);
  });
});

describe('undecodable commands', () => {
  it('warns once a minute at most, then says how many it did not log', () => {
    let now = 0;
    const { log, lines } = memoryLogger('debug');
    const bad = new UndecodableCommands(log, () => now);
    for (let i = 0; i < 100; i++) {
      bad.record(`spBv1.0/g/DCMD/e/${'d'.repeat(300)}`, 'index out of range');
      now += 100; // 100 messages over 10 s
    }
    expect(bad.count).toBe(100);
    expect(levels(lines(), 'warn')).toHaveLength(1);
    expect(String(levels(lines(), 'warn')[0]!.topic).length).toBeLessThan(MAX_LOGGED_NAME + 40);
    now += UNDECODABLE_WARN_EVERY_MS;
    bad.record('spBv1.0/g/NCMD/e', 'bad wire type');
    const warns = levels(lines(), 'warn');
    expect(warns).toHaveLength(2);
    expect(warns[1]).toMatchObject({ total: 101, notLoggedSinceLast: 99 });
  });
});

describe('rebirth requests', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('rebirths at once, then at most once per REBIRTH_MIN_INTERVAL_MS: requests in between are answered together at its end', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    let rebirths = 0;
    const limiter = new RebirthLimiter(Date.now, () => (rebirths += 1));
    expect(limiter.request()).toBe('now');
    expect(rebirths).toBe(1);
    // A flood of requests right after: none at once, one at the end of the interval.
    for (let i = 0; i < 1000; i++) expect(limiter.request()).toBe('later');
    expect(rebirths).toBe(1);
    jest.advanceTimersByTime(REBIRTH_MIN_INTERVAL_MS - 1);
    expect(rebirths).toBe(1);
    jest.advanceTimersByTime(1);
    expect(rebirths).toBe(2);
    expect(limiter.deferred).toBe(1000);
    // That deferred rebirth counts too: the next request waits for a whole interval again.
    jest.advanceTimersByTime(REBIRTH_MIN_INTERVAL_MS / 2);
    expect(limiter.request()).toBe('later');
    jest.advanceTimersByTime(REBIRTH_MIN_INTERVAL_MS / 2);
    expect(rebirths).toBe(3);
    // Long after: at once again. A pending one is dropped on cancel (the publisher stopping).
    jest.advanceTimersByTime(REBIRTH_MIN_INTERVAL_MS);
    expect(limiter.request()).toBe('now');
    expect(limiter.request()).toBe('later');
    limiter.cancel();
    jest.advanceTimersByTime(10 * REBIRTH_MIN_INTERVAL_MS);
    expect(rebirths).toBe(4);
  });

  it('the inbox obeys a rebirth only while born, and counts what it refused or could not read', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { log } = memoryLogger();
    let rebirths = 0;
    const inbox = new CommandInbox({ groupId: 'g', edgeNodeId: 'e' }, log, Date.now, () => {
      rebirths += 1;
    });
    const rebirth = Buffer.from(
      encodePayload({
        timestamp: 1,
        metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }],
      }),
    );
    inbox.handle('spBv1.0/g/NCMD/e', rebirth, false);
    expect(rebirths).toBe(0);
    inbox.handle('spBv1.0/g/NCMD/e', rebirth, true);
    expect(rebirths).toBe(1);
    inbox.handle('spBv1.0/g/DCMD/e/hp1', rebirth, true);
    inbox.handle('spBv1.0/g/DCMD/e/hp1', Buffer.from([0xff, 0xff, 0xff]), true);
    // Another edge node's command is none of ours.
    inbox.handle('spBv1.0/g/NCMD/other', rebirth, true);
    expect(inbox.counts()).toEqual({
      commandsRefused: 1,
      commandsUndecodable: 1,
      rebirthsDeferred: 0,
    });
    expect(rebirths).toBe(1);
    inbox.rebirths.cancel();
  });
});
