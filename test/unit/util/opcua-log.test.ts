import { describe, expect, it } from '@jest/globals';
import { UserNameIdentityToken } from 'node-opcua';
import { forwardOpcuaLog, routeOpcuaLogs, withoutSecrets } from '../../../src/util/opcua-log';
import { memoryLogger } from '../../helpers/logger';

const hex = (s: string): string => Buffer.from(s).toString('hex');

// node-opcua's server logs a refused UserName token whole when its encryptionAlgorithm does not
// match the policy (a client sending its password in clear over SignAndEncrypt): the password is
// in it as hex. A password is an API token and must never reach the log.
describe('node-opcua log lines with identity tokens', () => {
  it('withholds a UserNameIdentityToken dump and its password bytes, short or long', () => {
    const { log, lines } = memoryLogger('debug');
    routeOpcuaLogs(log);
    const passwords = ['control-room-token-0123456789', 'x'.repeat(300)];
    for (const password of passwords) {
      const token = new UserNameIdentityToken({
        policyId: 'username_basic256',
        userName: 'control-room',
        password: Buffer.from(password),
        encryptionAlgorithm: null,
      });
      // As node-opcua calls it: its source location, then the words, then the token.
      forwardOpcuaLog('error', [
        { filename: 'opcua_server.js', callerline: 1421 },
        'userTokenPolicy',
        token.toString(),
      ]);
    }
    const text = JSON.stringify(lines());
    for (const password of passwords) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(hex(password));
      expect(text).not.toContain(hex(password).slice(0, 32));
    }
    expect(text).not.toContain('Buffer: Ox');
    // The line itself stays: something was refused, and what kind of token it was.
    expect(lines().filter((l) => l.level === 'error')).toContainEqual(
      expect.objectContaining({ msg: 'userTokenPolicy [UserNameIdentityToken withheld]' }),
    );
  });

  it('withholds a password buffer outside a token dump too', () => {
    const out = withoutSecrets(`password /* ByteString */\nBuffer: Ox${hex('s3cret')} end`);
    expect(out).not.toContain(hex('s3cret'));
    expect(out).toBe('password [withheld] end');
    // node-opcua shortens a long buffer to its ends, on a line of its own.
    const long = withoutSecrets(`password\nBuffer: \n${'78'.repeat(16)}...${'78'.repeat(16)}\n`);
    expect(long).toBe('password [withheld]\n');
  });
});
