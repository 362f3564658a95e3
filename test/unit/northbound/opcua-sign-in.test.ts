import { describe, expect, it } from '@jest/globals';
import { hashToken, TokenStore } from '../../../src/api/auth';
import { TokenUsers } from '../../../src/northbound/opcua/server-security';
import { memoryLogger } from '../../helpers/logger';

const TOKEN = 'control-room-token-0123456789';
const LIMIT = { max: 3, windowMs: 60_000 };

/**
 * The OPC UA server's sign-ins (user name: a token's name, password: the token), throttled per
 * client address like the API's token checks. A clock of the test's own: the window is judged on
 * HeatBridge's clock, and no test waits for it.
 */
function setup() {
  let now = 1_000_000;
  const logs = memoryLogger();
  const users = new TokenUsers(
    new TokenStore([{ name: 'control-room', role: 'utility', sha256: hashToken(TOKEN) }]),
    logs.log,
    LIMIT,
    () => now,
  );
  const warnings = (re: RegExp) => logs.lines().filter((l) => re.test(String(l.msg)));
  return { users, warnings, advance: (ms: number) => (now += ms) };
}

describe('OPC UA sign-ins', () => {
  it('throttles an address after max failures until the window passes; a valid token still gets in, as at the API', () => {
    const { users, advance } = setup();
    for (let i = 0; i < LIMIT.max; i++)
      expect(users.isValidUser('control-room', 'wrong', '10.0.0.5')).toBe(false);
    // Throttled: a further wrong token is counted as such, not as a new failure.
    expect(users.isValidUser('control-room', 'wrong-again', '10.0.0.5')).toBe(false);
    expect(users.throttledRefusals).toBe(1);
    // A SCADA behind the same address (a NAT) is not locked out by the guessing.
    expect(users.isValidUser('control-room', TOKEN, '10.0.0.5')).toBe(true);
    expect(users.principalOf('control-room')).toMatchObject({ role: 'utility' });
    // Once the window has passed since the first failure, failures count afresh.
    advance(LIMIT.windowMs);
    expect(users.isValidUser('control-room', 'wrong', '10.0.0.5')).toBe(false);
    expect(users.throttledRefusals).toBe(1);
    expect(users.failures).toBe(LIMIT.max + 2);
  });

  it('logs each failure, then one line per throttled episode, never the token', () => {
    const { users, warnings, advance } = setup();
    for (let i = 0; i < LIMIT.max; i++) users.isValidUser('control-room', 'guess-1', '10.0.0.5');
    for (let i = 0; i < 5; i++) users.isValidUser('control-room', 'guess-1', '10.0.0.5');
    expect(warnings(/sign-in refused: unknown user/)).toHaveLength(LIMIT.max);
    expect(warnings(/throttled/)).toHaveLength(1);
    expect(warnings(/throttled/)[0]).toMatchObject({ client: '10.0.0.5', retryAfterS: 60 });
    // A new episode after the window: logged again.
    advance(LIMIT.windowMs);
    for (let i = 0; i < LIMIT.max + 2; i++)
      users.isValidUser('control-room', 'guess-2', '10.0.0.5');
    expect(warnings(/throttled/)).toHaveLength(2);
    const text = JSON.stringify(warnings(/./));
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('guess-');
  });
});
