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
    // With a user name, never None by itself: the password would cross in clear.
    expect(pick('UserName')).toEqual([
      'Basic256Sha256 SignAndEncrypt',
      'Aes128_Sha256_RsaOaep SignAndEncrypt',
      'Basic256Sha256 Sign',
    ]);
    // Basic256Sha256/SignAndEncrypt takes no anonymous sign-in here. Anonymous may browse over
    // None (no secret is sent), last.
    expect(pick('Anonymous')).toEqual([
      'Aes128_Sha256_RsaOaep SignAndEncrypt',
      'Basic256Sha256 Sign',
      'None None',
    ]);
  });

  it("ranks by our order of mode and policy, not the server's security level, which only breaks ties", () => {
    const pick = (offered: OfferedEndpoint[]): string[] =>
      usableEndpoints(offered, { userToken: 'UserName' }).map(
        (e) => `${e.policy} ${e.mode} ${e.securityLevel}`,
      );
    // A server that rates signing alone, and the weaker policy, above the stronger.
    expect(
      pick([
        offer('Basic256Sha256', 'Sign', 255),
        offer('Aes128_Sha256_RsaOaep', 'SignAndEncrypt', 200),
        offer('Aes256_Sha256_RsaPss', 'SignAndEncrypt', 1),
        offer('Basic256Sha256', 'SignAndEncrypt', 100),
      ]),
    ).toEqual([
      'Aes256_Sha256_RsaPss SignAndEncrypt 1',
      'Basic256Sha256 SignAndEncrypt 100',
      'Aes128_Sha256_RsaOaep SignAndEncrypt 200',
      'Basic256Sha256 Sign 255',
    ]);
    // The same policy and mode twice (two addresses of one server): the higher level first.
    expect(
      pick([
        offer('Basic256Sha256', 'SignAndEncrypt', 3),
        offer('Basic256Sha256', 'SignAndEncrypt', 7),
      ]),
    ).toEqual(['Basic256Sha256 SignAndEncrypt 7', 'Basic256Sha256 SignAndEncrypt 3']);
  });

  describe('with a user name, when only None/None takes one', () => {
    const noneOnly = [
      offer('None', 'None', 0),
      offer('Basic256Sha256', 'SignAndEncrypt', 200, ['Anonymous', 'Certificate']),
    ];

    it('chooses nothing by itself, and says why and how to ask for it anyway', () => {
      expect(usableEndpoints(noneOnly, { userToken: 'UserName' })).toEqual([]);
      // Asking for policy None is not asking to send the password in clear; mode None is.
      expect(usableEndpoints(noneOnly, { policy: 'None', userToken: 'UserName' })).toEqual([]);
      expect(noEndpointMessage(noneOnly, { userToken: 'UserName' }).split('\n')).toEqual([
        'the server takes a user name only without security (mode None), where the password ' +
          'would cross the network in clear; HeatBridge does not choose that by itself: pass ' +
          '--security-mode None if that is really wanted; it offers:',
        `  None None  ${url}  sign-in: Anonymous, UserName`,
        `  Basic256Sha256 SignAndEncrypt  ${url}  sign-in: Anonymous, Certificate`,
      ]);
    });

    it('takes it when mode None is asked for by name', () => {
      expect(usableEndpoints(noneOnly, { mode: 'None', userToken: 'UserName' })).toEqual([
        noneOnly[0],
      ]);
    });

    it('anonymous still browses over None (no secret is sent)', () => {
      expect(
        usableEndpoints(noneOnly, { userToken: 'Anonymous' }).map((e) => `${e.policy} ${e.mode}`),
      ).toEqual(['Basic256Sha256 SignAndEncrypt', 'None None']);
    });
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
