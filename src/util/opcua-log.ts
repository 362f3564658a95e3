import { setErrorLogger, setWarningLogger } from 'node-opcua';
import type { Logger } from '../log';

/**
 * node-opcua prints its warnings and errors straight to the console. This routes them into our
 * logger (JSON lines like everything else) and drops one known-harmless warning:
 *
 * NODE-OPCUA-W27 fires on every load under Node 20 because Node disabled RSA PKCS#1 v1.5
 * decryption (CVE-2023-46809). Only the deprecated Basic128Rsa15 policy needs it; the policies
 * HeatBridge offers and uses (Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss) use
 * RSA-OAEP/PSS and work without the flag, as the secure-connection tests show.
 */
const HARMLESS = /NODE-OPCUA-W27|security-revert=CVE-2023-46809/;

/**
 * node-opcua's page about one refused certificate (a dozen lines: thumbprints, a base64 dump, the
 * chain, SKI/AKI, validity), client side and server side. HeatBridge says it in one line where
 * it decides (our client: describeConnectError names the certificate and its file; the plant
 * simulator: its refusal line), so the page goes to debug.
 */
const CERTIFICATE_PAGE = [
  /^serverCertificate = /,
  /NODE-OPCUA-W25/,
  /^clientCertificateManager\.rootDir/,
  /^server certificate chain contains/,
  /^\[\d+\/\d+\] /,
  /^(thumbprint|issuer|SKI|AKI|validity): /,
  /^verify that the server certificate is trusted/,
  /^Sender Certificate/,
  /^ServerSecureChannel sendError: +BadSecurityChecksFailed.*certificate/,
];

/** Its base64 dump is not kept even at debug: the certificate itself is in the rejected/ folder. */
const CERTIFICATE_DUMP = /^serverCertificate = +[A-Za-z0-9+/=]{64,}$/;

/**
 * Routine events node-opcua announces as warnings. The application certificate is made once, on
 * the first start, whether or not the security in use needs it (a later secure endpoint will).
 */
const ROUTINE: [RegExp, string][] = [
  [/^Creating default certificate/, 'creating the OPC UA application certificate (first start)'],
];

/**
 * node-opcua's server logs a refused user identity token whole (`errorLog(token.toString())`, e.g.
 * when a client sends its password unencrypted where the policy wants it encrypted): the
 * password's bytes in hex. A password (an API token) never reaches the log: the token's dump is
 * replaced by its type, any other password buffer by a mark.
 */
const TOKEN_DUMP = /\{\s*\/\*\s*(\w*IdentityToken)\s*\*\/[\s\S]*?(\};|$)/g;
const PASSWORD_BUFFER = /password[\s\S]*?Buffer:\s*(?:Ox)?[0-9a-f]+(?:\.\.\.[0-9a-f]+)?/gi;

/** The message with identity tokens and password bytes taken out. */
export function withoutSecrets(message: string): string {
  return message
    .replace(TOKEN_DUMP, (_m, type: string) => `[${type} withheld]`)
    .replace(PASSWORD_BUFFER, 'password [withheld]');
}

let target: Logger | undefined;

/** node-opcua passes its source location as a first argument: not part of the message. */
const isLocation = (a: unknown): boolean =>
  typeof a === 'object' && a !== null && 'filename' in a && 'callerline' in a;

const text = (args: unknown[]): string =>
  args
    .filter((a) => !isLocation(a))
    .map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a)))
    .join(' ')
    // chalk colours some of it when stderr is a terminal.
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;]*m/g, '')
    // node-opcua prefixes a timestamp and a source column; keep the message.
    .replace(/^\S+Z\s+:\S+\s+:\d+\s+/, '')
    .trim();

/** A reconnect loop repeats the same warning every few seconds; log each once per 10 minutes. */
const REPEAT_AFTER_MS = 10 * 60_000;
const recent = new Map<string, number>();

/** Exported for tests: what node-opcua's warning and error loggers are set to. */
export function forwardOpcuaLog(level: 'warn' | 'error', args: unknown[]): void {
  const message = withoutSecrets(text(args));
  if (HARMLESS.test(message) || message === '') return;
  const key = message.slice(0, 200);
  const now = Date.now();
  const last = recent.get(key);
  if (last !== undefined && now - last < REPEAT_AFTER_MS) return;
  recent.set(key, now);
  if (recent.size > 1000) recent.clear();
  if (CERTIFICATE_DUMP.test(message)) return;
  const routine = ROUTINE.find(([re]) => re.test(message));
  if (routine) {
    if (target) target.info(routine[1]);
    // stderr, like node-opcua's own line was: stdout is a command's output (browse --json, bench).
    else console.error(routine[1]);
  } else if (CERTIFICATE_PAGE.some((re) => re.test(message))) target?.debug(message);
  else if (target) target[level](message);
  else console[level](message);
}

// Installed as soon as node-opcua is loaded (W27 is printed asynchronously after loading).
setWarningLogger((...args: unknown[]) => forwardOpcuaLog('warn', args));
setErrorLogger((...args: unknown[]) => forwardOpcuaLog('error', args));

/** Sends node-opcua's warnings and errors to this logger from now on. */
export function routeOpcuaLogs(log: Logger): void {
  target = log.child({ source: 'node-opcua' });
}
