import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Role } from '../config/api';
import type { SampleValue } from '../domain/sample';
import type { Principal } from './auth';
import type { AuditAction } from './audit-log';

/** Who may call a route: anyone, anyone who may read (a token, or open reads), or a role. */
export type Access = 'public' | 'read' | Role;

/** The media types a route's `document` body may come in. */
export type DocumentType = 'application/json' | 'text/csv';

export interface HandlerContext {
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
  principal: Principal | undefined;
  req: Request;
  res: Response;
}

/**
 * What a state-changing call changed, for its audit record. Who asked, the action and what it
 * acts on are the route's (see ChangeRoute.audit); the record is written by the route wrapper,
 * never by the handler.
 */
export interface Change {
  old: SampleValue | null;
  new: SampleValue | null;
  reason: string;
  /** `ok` unless the handler says more (`ok (unchanged)`). */
  result?: string;
}

/** A state-changing handler's answer: the response body, and what changed. */
export interface Changed {
  body: unknown;
  change: Change;
}

export function changed(body: unknown, change: Change): Changed {
  return { body, change };
}

interface RouteBase {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express style: `/api/points/:device/:point`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /**
   * A body the handler checks itself, in one of `types`, handed over as text (at most
   * api.maxBodyBytes): for documents a parser of their own validates, naming every problem by
   * line (a day-ahead plan). `schema` documents the JSON form; it is not applied.
   */
  document?: { types: readonly DocumentType[]; schema: z.ZodType; description: string };
  response?: z.ZodType;
  /**
   * Error answers particular to the route, by status, with when they happen (the OpenAPI
   * document adds them to the ones every route of its kind has).
   */
  errors?: Readonly<Record<number, string>>;
  /** The success status (200 unless said). */
  status?: number;
  /** Not JSON: a Server-Sent Events stream or another content type (the handler answers). */
  raw?: { contentType: string };
  /** The token may come as `?access_token=` (EventSource cannot send headers). */
  tokenInQuery?: boolean;
}

/** A route that changes nothing: its handler returns the response body (or answers itself). */
export interface ReadRoute extends RouteBase {
  audit?: undefined;
  handle(ctx: HandlerContext): unknown;
}

/**
 * A state change. Every call by a known user is audited, done or refused: `audit` names the
 * action and what it acts on (from the request as sent, so a refused attempt can be named too),
 * and the handler returns what changed. While the audit log cannot be written the route is
 * refused: nothing changes unaudited.
 */
export interface ChangeRoute extends RouteBase {
  audit: { action: AuditAction; target(params: Record<string, string>, body: unknown): string };
  handle(ctx: HandlerContext): Changed | Promise<Changed>;
}

export type RouteSpec = ReadRoute | ChangeRoute;

/** What a route's declaration says in its first line: method, path and who may call it. */
type Declared = 'method' | 'path' | 'tag' | 'access';
/** A route as its resource module declares it; `resource` adds the tag. */
export type Untagged = Omit<ReadRoute, 'tag'> | Omit<ChangeRoute, 'tag'>;

/** A read: `get('/api/points', 'read', { summary, response, handle })`. */
export function get(path: string, access: Access, spec: Omit<ReadRoute, Declared>): Untagged {
  return { method: 'get', path, access, ...spec };
}

/** POST, PUT and DELETE change state: they need a role, and are declared with what they audit. */
function change(method: ChangeRoute['method']) {
  return (path: string, access: Role, spec: Omit<ChangeRoute, Declared>): Untagged => ({
    method,
    path,
    access,
    ...spec,
  });
}
export const post = change('post');
export const put = change('put');
export const del = change('delete');

/**
 * One resource's routes (`/api/alarms…`), under its tag in the OpenAPI document: `make` gets
 * what the routes need and returns their declarations.
 */
export function resource<A extends unknown[]>(
  tag: string,
  make: (...args: A) => Untagged[],
): (...args: A) => RouteSpec[] {
  return (...args) => make(...args).map((r): RouteSpec => ({ ...r, tag }));
}
