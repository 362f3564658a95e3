import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { ApiError } from './api-error';
import type { AuditLog } from './audit-log';
import { auditApiCall, auditUnavailable, type CallOutcome } from './audit-trail';
import type { Principal } from './auth';
import { sendError } from './http-errors';
import { checkAccess, type Authenticate } from './request-auth';
import type { RouteSpec } from './route-spec';

export interface MountOptions {
  authenticate: Authenticate;
  openReads: boolean;
  maxBodyBytes: number;
  /** Where state changes (ChangeRoute) are audited, done and refused alike. */
  audit: AuditLog;
}

type Handler = (req: Request, res: Response, next: NextFunction) => void;

/**
 * Registers the routes on `app`, each behind the same steps: who is asking and may they (before
 * a body is read), a JSON body, the audit log writable (state changes), params, query and body
 * validated, the handler, the answer. A state change's audit record is written here, and only
 * here: what the handler returned it changed, or why the call was refused (by a known user; an
 * anonymous caller is refused before anything is looked at, with nobody to name).
 */
export function mountRoutes(app: Express, routes: readonly RouteSpec[], opts: MountOptions): void {
  const jsonBody = express.json({ limit: opts.maxBodyBytes, type: () => true });
  const textBody = express.text({ limit: opts.maxBodyBytes, type: () => true });
  for (const r of routes) {
    const handlers: Handler[] = [authorize(r, opts)];
    const doc = r.document;
    if (doc) {
      // Read as text whatever its type: the document's own parser reads JSON too, so its
      // problems (and a JSON syntax error) are named the same way as a file's.
      handlers.push((req, res, next) => {
        if (!req.is([...doc.types])) {
          sendError(
            res,
            new ApiError(
              415,
              'unsupported_media_type',
              `send the body as ${doc.types.join(' or ')}`,
            ),
          );
          return;
        }
        textBody(req, res, next);
      });
    } else if (r.body) {
      handlers.push((req, res, next) => {
        if (!req.is('application/json')) {
          sendError(
            res,
            new ApiError(415, 'unsupported_media_type', 'send the body as application/json'),
          );
          return;
        }
        jsonBody(req, res, next);
      });
    }
    handlers.push(run(r, opts.audit));
    app[r.method](r.path, ...handlers);
  }
}

/**
 * The audit record of a state-changing call by a known user: what it acts on is named from the
 * request as sent (a refused one may not have passed the schemas).
 */
function audited(
  r: RouteSpec,
  audit: AuditLog,
  req: Request,
  principal: Principal | undefined,
  outcome: CallOutcome,
): void {
  if (!r.audit || !principal) return;
  const target = r.audit.target(req.params as Record<string, string>, req.body);
  auditApiCall(audit, { action: r.audit.action, principal, target }, outcome);
}

/** Who is asking, before anything else (a body is parsed only for those allowed to send it). */
function authorize(r: RouteSpec, opts: MountOptions): Handler {
  return (req, res, next) => {
    const principal = opts.authenticate(req, res, r.tokenInQuery === true);
    if (principal === 'answered') return;
    const denied = checkAccess(r.access, principal, opts.openReads);
    if (denied) {
      audited(r, opts.audit, req, principal, { refused: denied, reason: reasonOf(req) });
      sendError(res, denied);
      return;
    }
    res.locals.principal = principal;
    next();
  };
}

const strictEmpty = z.strictObject({});

/** Validates, calls the handler, audits a state change and answers. */
function run(r: RouteSpec, audit: AuditLog): Handler {
  return (req, res, next) => {
    const principal = res.locals.principal as Principal | undefined;
    void (async () => {
      if (r.audit) {
        const unavailable = auditUnavailable(audit);
        if (unavailable) throw unavailable;
      }
      const ctx = {
        params: parse(r.params, req.params, 'path') as Record<string, string>,
        query: parse(r.query ?? strictEmpty, req.query, 'query') as Record<
          string,
          string | undefined
        >,
        body: r.body
          ? parse(r.body, req.body, 'body')
          : r.document
            ? (req.body as unknown)
            : undefined,
        principal,
        req,
        res,
      };
      let body: unknown;
      if (r.audit) {
        const done = await r.handle(ctx);
        audited(r, audit, req, principal, { change: done.change });
        body = done.body;
      } else {
        body = await r.handle(ctx);
      }
      if (r.raw) return;
      if (res.statusCode === 200 && r.status) res.status(r.status);
      res.json(body);
    })().catch((err: unknown) => {
      // Refusals (4xx) are audited; a failure on our side (5xx) is for the log, not the record.
      if (err instanceof ApiError && err.status < 500)
        audited(r, audit, req, principal, { refused: err, reason: reasonOf(req) });
      next(err);
    });
  };
}

/** The reason a request gave (body or query), as sent, for the record of its refusal. */
function reasonOf(req: Request): string {
  const body = req.body as { reason?: unknown } | undefined;
  const reason = typeof body?.reason === 'string' ? body.reason : req.query.reason;
  return typeof reason === 'string' ? reason.slice(0, 500) : '';
}

function parse(
  schema: z.ZodType | undefined,
  input: unknown,
  where: 'path' | 'query' | 'body',
): unknown {
  if (!schema) return input ?? {};
  const result = schema.safeParse(input ?? {}, { error: missingField });
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
  throw new ApiError(
    400,
    'invalid_request',
    issues.map((i) => `${i.path}: ${i.message}`).join('; '),
    issues,
  );
}

/**
 * "required: expected string" for a field that is missing, instead of zod's "Invalid input:
 * expected string, received undefined" (found by the fuzz suite); other messages are zod's or
 * the schema's own.
 */
function missingField(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type' || issue.input !== undefined) return undefined;
  return `required: expected ${String(issue.expected)}`;
}
