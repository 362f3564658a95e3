import { inspect } from 'node:util';
import { z } from 'zod';

/**
 * A password or token. The value is held privately and every way an object gets printed
 * (`String()`, `JSON.stringify`, `util.inspect`, pino) shows `[secret]` instead, so a secret
 * cannot leak through a log line or an error message by accident. Only `reveal()` gives it out,
 * and only code that hands it to a protocol library calls that.
 */
export class Secret {
  readonly #value: string;

  constructor(
    value: string,
    /** Where it came from, safe to log: `env HB_TOKEN` or `config file`. */
    readonly source: string,
  ) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return `[secret from ${this.source}]`;
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A secret in the config: a literal string, or `{ env: NAME }` to read it from the environment
 * (preferred: the config file can then be committed and shared). A missing variable is a config
 * error reported with the path, like any other.
 */
export function secretSchema(env: Env) {
  return z
    .union([z.string().min(1), z.strictObject({ env: z.string().regex(ENV_NAME) })], {
      error: 'expected a string or { env: VARIABLE_NAME }',
    })
    .transform((input, ctx) => {
      if (typeof input === 'string') return new Secret(input, 'config file');
      const value = env[input.env];
      if (value === undefined || value === '') {
        ctx.addIssue({ code: 'custom', message: `environment variable ${input.env} is not set` });
        return z.NEVER;
      }
      return new Secret(value, `env ${input.env}`);
    });
}
