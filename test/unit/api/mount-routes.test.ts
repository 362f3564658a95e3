import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { z } from 'zod';
import { ApiError } from '../../../src/api/api-error';
import { AuditLog } from '../../../src/api/audit-log';
import { errorHandler } from '../../../src/api/http-errors';
import { mountRoutes } from '../../../src/api/mount-routes';
import { tokenAuthentication } from '../../../src/api/request-auth';
import { changed, get, put, resource } from '../../../src/api/route-spec';
import { Secret } from '../../../src/config/secret';
import { projectRoot } from '../../../src/util/project-root';
import { memoryLogger } from '../../helpers/logger';

/**
 * The one audit mechanism, on routes of its own over loopback: a state change's handler only
 * returns what changed, and the route wrapper writes the record — for a change that was made,
 * and for one refused by the role check, the schema or the handler itself.
 */
const TOKENS = { olli: 'olli-token-0123456789', vera: 'vera-token-0123456789' };

/** A tiny resource: named numbers an operator may set, never below zero. */
function numberRoutes(numbers: Map<string, number>, calls: string[]) {
  return resource('numbers', () => [
    get('/api/numbers', 'read', {
      summary: 'All numbers',
      handle: () => Object.fromEntries(numbers),
    }),
    put('/api/numbers/:name', 'operator', {
      summary: 'Set a number',
      params: z.object({ name: z.string().max(8) }),
      body: z.strictObject({ value: z.number(), reason: z.string().min(3) }),
      audit: { action: 'mode-changed', target: (p) => p.name ?? '' },
      handle: ({ params, body }) => {
        const { value, reason } = body as { value: number; reason: string };
        calls.push(params.name!);
        if (value < 0) throw new ApiError(400, 'invalid_request', 'a number is never below zero');
        const old = numbers.get(params.name!) ?? null;
        numbers.set(params.name!, value);
        return changed({ name: params.name, value }, { old, new: value, reason });
      },
    }),
  ])();
}

interface Side {
  url: string;
  audit: AuditLog;
  numbers: Map<string, number>;
  calls: string[];
  server: Server;
}

async function start(audit: AuditLog): Promise<Side> {
  const numbers = new Map<string, number>();
  const calls: string[] = [];
  const { log } = memoryLogger();
  const app = express();
  mountRoutes(app, numberRoutes(numbers, calls), {
    authenticate: tokenAuthentication(
      {
        openReads: false,
        failedLogins: { max: 10, windowMs: 60_000 },
        tokens: [
          { name: 'olli', role: 'operator', token: new Secret(TOKENS.olli, 'test') },
          { name: 'vera', role: 'viewer', token: new Secret(TOKENS.vera, 'test') },
        ],
      },
      log,
      Date.now,
    ),
    openReads: false,
    maxBodyBytes: 2048,
    audit,
  });
  app.use(errorHandler(2048, log));
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, audit, numbers, calls, server };
}

async function stop(side: Side): Promise<void> {
  side.server.closeAllConnections();
  await new Promise((r) => side.server.close(r));
}

let side: Side;
beforeAll(async () => {
  side = await start(new AuditLog(undefined));
});
afterAll(() => stop(side));

async function setNumber(
  who: keyof typeof TOKENS | undefined,
  name: string,
  body: unknown,
  url = side.url,
): Promise<{ status: number; body: { message?: string } & Record<string, unknown> }> {
  const res = await fetch(`${url}/api/numbers/${name}`, {
    method: 'PUT',
    headers: {
      'Content-Type': 'application/json',
      ...(who ? { Authorization: `Bearer ${TOKENS[who]}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { message?: string } };
}

/** The records, oldest first, without `seq` and `at`. */
const records = (): Record<string, unknown>[] =>
  side.audit
    .query({ limit: 100 })
    .reverse()
    .map(({ seq: _s, at: _a, ...rest }) => rest);

describe('the route wrapper audits every state change, done or refused', () => {
  it('records what the handler returned it changed, and answers with its body', async () => {
    const before = records().length;
    const r = await setNumber('olli', 'pi', { value: 3, reason: 'first value' });
    expect(r).toEqual({ status: 200, body: { name: 'pi', value: 3 } });
    const again = await setNumber('olli', 'pi', { value: 4, reason: 'a better one' });
    expect(again.status).toBe(200);
    expect(records().slice(before)).toEqual([
      {
        actor: 'user:olli',
        action: 'mode-changed',
        target: 'pi',
        old: null,
        new: 3,
        reason: 'first value',
        result: 'ok',
      },
      {
        actor: 'user:olli',
        action: 'mode-changed',
        target: 'pi',
        old: 3,
        new: 4,
        reason: 'a better one',
        result: 'ok',
      },
    ]);
  });

  it('records a refusal thrown by the handler, with what was sent; nothing changes', async () => {
    const before = records().length;
    const r = await setNumber('olli', 'e', { value: -1, reason: 'try a negative' });
    expect(r).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', message: 'a number is never below zero' },
    });
    expect(side.numbers.has('e')).toBe(false);
    expect(records().slice(before)).toEqual([
      {
        actor: 'user:olli',
        action: 'mode-changed',
        target: 'e',
        reason: 'try a negative',
        result: 'rejected: 400 a number is never below zero',
      },
    ]);
  });

  it('records refusals by the schema and by the role check; the handler never runs', async () => {
    const before = records().length;
    const calls = side.calls.length;
    const schema = await setNumber('olli', 'tau', { value: 'six', reason: 'a word' });
    expect(schema.status).toBe(400);
    const role = await setNumber('vera', 'tau', { value: 6, reason: 'not mine to set' });
    expect(role.status).toBe(403);
    expect(side.calls.length).toBe(calls);
    expect(records().slice(before)).toEqual([
      {
        actor: 'user:olli',
        action: 'mode-changed',
        target: 'tau',
        reason: 'a word',
        result: `rejected: 400 ${schema.body.message}`,
      },
      // Refused before the body is read: only the path names what it was for.
      {
        actor: 'user:vera',
        action: 'mode-changed',
        target: 'tau',
        reason: '',
        result: 'rejected: 403 vera is a viewer; this needs operator or more',
      },
    ]);
  });

  it('records nothing for an anonymous caller or a read', async () => {
    const before = records().length;
    expect((await setNumber(undefined, 'pi', { value: 1, reason: 'who am I' })).status).toBe(401);
    const read = await fetch(`${side.url}/api/numbers`, {
      headers: { Authorization: `Bearer ${TOKENS.vera}` },
    });
    expect(read.status).toBe(200);
    expect(records().length).toBe(before);
  });

  it('refuses a state change with 503, before its handler, while the audit log cannot be written', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hb-mount-')), 'audit.jsonl');
    const other = await start(new AuditLog(file));
    try {
      mkdirSync(file); // a folder where the file should be: appends fail
      other.audit.record({
        actor: 'user:x',
        action: 'write',
        target: 'a/b',
        reason: 'x',
        result: 'ok',
      });
      const refused = await setNumber('olli', 'pi', { value: 3, reason: 'unaudited' }, other.url);
      expect(refused.status).toBe(503);
      expect(other.calls).toEqual([]);
      rmdirSync(file);
      expect(
        (await setNumber('olli', 'pi', { value: 3, reason: 'audited' }, other.url)).status,
      ).toBe(200);
      expect(readFileSync(file, 'utf8')).toContain('"reason":"audited","result":"ok"');
    } finally {
      await stop(other);
    }
  });
});

describe('handlers never write the audit log', () => {
  it('no route module calls it: records come from the route wrapper only', () => {
    const dir = join(projectRoot(), 'src', 'api', 'routes');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const writers = files.filter((f) => /\.record\(/.test(readFileSync(join(dir, f), 'utf8')));
    expect(writers).toEqual([]);
  });
});
