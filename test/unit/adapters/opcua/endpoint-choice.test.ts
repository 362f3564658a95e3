import { describe, expect, it } from '@jest/globals';
import {
  noEndpointMessage,
  usableEndpoints,
  type OfferedEndpoint,
} from '../../../../src/adapters/opcua/endpoint-choice';

const url = 'opc.tcp://bms:4840/ua';
const offer = (
  policy: string,
  mode: string,
  securityLevel: number,
  userTokens = ['Anonymous', 'UserName'],
): OfferedEndpoint => ({ url, policy, mode, securityLevel, userTokens });

const OFFERED = [
  offer('None', 'None', 0),
  offer('Basic128Rsa15', 'SignAndEncrypt', 250), // deprecated: HeatBridge does not use it
  offer('Basic256Sha256', 'Sign', 106),
  offer('Basic256Sha256', 'SignAndEncrypt', 206, ['UserName']),
  offer('Aes128_Sha256_RsaOaep', 'SignAndEncrypt', 205),
];

describe('choosing an endpoint', () => {
  it('takes the most secure one HeatBridge supports that accepts the sign-in', () => {
    const pick = (userToken: 'Anonymous' | 'UserName'): string[] =>
      usableEndpoints(OFFERED, { userToken }).map((e) => `${e.policy} ${e.mode}`);
    expect(pick('UserName')).toEqual([
      'Basic256Sha256 SignAndEncrypt',
      'Aes128_Sha256_RsaOaep SignAndEncrypt',
      'Basic256Sha256 Sign',
      'None None',
    ]);
    // Basic256Sha256/SignAndEncrypt takes no anonymous sign-in here.
    expect(pick('Anonymous')[0]).toBe('Aes128_Sha256_RsaOaep SignAndEncrypt');
  });

  it('keeps to the policy and mode asked for', () => {
    expect(
      usableEndpoints(OFFERED, { policy: 'Basic256Sha256', mode: 'Sign', userToken: 'Anonymous' }),
    ).toEqual([OFFERED[2]]);
    expect(
      usableEndpoints(OFFERED, {
        policy: 'Aes256_Sha256_RsaPss',
        mode: 'SignAndEncrypt',
        userToken: 'Anonymous',
      }),
    ).toEqual([]);
  });

  it('says what the server offers when nothing fits', () => {
    const text = noEndpointMessage(OFFERED, {
      policy: 'Aes256_Sha256_RsaPss',
      mode: 'SignAndEncrypt',
      userToken: 'UserName',
    });
    expect(text.split('\n')).toEqual([
      'the server offers no endpoint for Aes256_Sha256_RsaPss, SignAndEncrypt, user name sign-in; it offers:',
      `  None None  ${url}  sign-in: Anonymous, UserName`,
      `  Basic128Rsa15 SignAndEncrypt  ${url}  sign-in: Anonymous, UserName  (not supported by HeatBridge)`,
      `  Basic256Sha256 Sign  ${url}  sign-in: Anonymous, UserName`,
      `  Basic256Sha256 SignAndEncrypt  ${url}  sign-in: UserName`,
      `  Aes128_Sha256_RsaOaep SignAndEncrypt  ${url}  sign-in: Anonymous, UserName`,
    ]);
  });
});
