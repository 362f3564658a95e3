import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { interval, type Observable, type Subscription } from 'rxjs';
import { z } from 'zod';
import { hasRole, FailedLoginLimiter, TokenStore, type Principal } from './auth';
import type { ApiConfig } from '../config/api';
import type { OperatorEvent } from '../domain/operator-event';
import type { PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import type { Logger } from '../log';
import type { Component, ComponentContext } from '../runtime/component';
import { projectRoot } from '../util/project-root';
import { Metrics } from './metrics';
import { openApiDocument } from './openapi';
import { pointValue, type PointValue } from './plant-view';
import { apiRoutes, ApiError, type ApiDeps, type RouteSpec } from './routes';
import { SseHub } from './sse';
import { streamQuery } from './schemas';
import { visibleText } from '../util/unsafe-text';

export interface ApiServerDeps extends ApiDeps {
  /** Every sample (field, control, historian): live updates. */
  samples$: Observable<Sample>;
  /** Control's own samples (cycle durations for /metrics). */
  controlSamples$?: Observable<Sample>;
  operatorEvents$?: Observable<OperatorEvent>;
}

const SWAGGER_UI_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));

/** How often live point values go out (batched), and how often staleness is re-judged. */
const POINTS_FLUSH_MS = 1000;
const QUALITY_CHECK_MS = 5000;

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  // Scripts only from HeatBridge itself; styles may be inline (SVG and Swagger UI use them).
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export interface ApiApp {
  app: express.Express;
  hub: SseHub;
  metrics: Metrics;
  close(): void;
}

/** Express app with the API routes, live updates, metrics, docs and the web page. */
export function createApiApp(config: ApiConfig, deps: ApiServerDeps, log: Logger): ApiApp {
  const now = deps.now;
  const tokens = TokenStore.fromConfig(config);
  if (tokens.size === 0) {
    log.warn(
      'no API tokens configured: state-changing calls are refused' +
        (config.openReads ? '' : ', and so are reads'),
    );
  }
  const limiter = new FailedLoginLimiter(config.failedLogins.max, config.failedLogins.windowMs);
  const hub = new SseHub({
    maxClients: config.streams.max,
    maxClientsPerAddress: config.streams.perAddress,
  });
  const metrics = new Metrics({
    components: () => deps.health().components,
    devices: deps.site.devices,
    latest: (id) => deps.latest.get(id),
    controlSamples$: deps.controlSamples$ ?? deps.samples$,
    sseClients: () => hub.size,
  });
  const routes = apiRoutes(deps, now());
  const streamRoute: RouteSpec = {
    method: 'get',
    path: '/api/stream',
    tag: 'live',
    access: 'read',
    summary: 'Live updates (Server-Sent Events)',
    description:
      'Events: `points` (changed values, batched each second), `alarm`, `audit`, `overrides`, `reset` (missed events are gone: fetch the state again). Reconnect with Last-Event-ID to get what was missed.',
    query: streamQuery,
    raw: { contentType: 'text/event-stream' },
    handle: ({ req, res }) => {
      if (hub.attach(res, req.header('last-event-id'), clientAddress(req)) === 'too-many')
        throw new ApiError(
          429,
          'too_many_requests',
          'too many live streams are open (api.streams); close one and try again',
        );
    },
  };
  const metricsRoute: RouteSpec = {
    method: 'get',
    path: '/metrics',
    tag: 'live',
    access: 'read',
    summary: 'Prometheus metrics',
    raw: { contentType: 'text/plain' },
    handle: async ({ res }) => {
      res.setHeader('Content-Type', metrics.contentType);
      res.end(await metrics.text());
    },
  };
  const all = [...routes, streamRoute, metricsRoute];
  const openapi = openApiDocument(all, { id: deps.site.site.id, name: deps.site.site.name });

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', config.trustProxy);
  app.use((req, res, next) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    // Plant state and audit entries are not for a browser's or proxy's cache.
    if (req.path.startsWith('/api/') || req.path === '/metrics')
      res.setHeader('Cache-Control', 'no-store');
    const origin = req.header('origin');
    if (origin && config.corsOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Last-Event-ID');
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE');
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
    }
    next();
  });

  const authenticate = (
    req: Request,
    res: Response,
    allowQueryToken: boolean,
  ): Principal | undefined | 'answered' => {
    const header = req.header('authorization');
    let token: string | undefined;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) {
        sendError(
          res,
          new ApiError(401, 'unauthorized', 'expected "Authorization: Bearer <token>"'),
        );
        return 'answered';
      }
      token = m[1];
    } else if (allowQueryToken && typeof req.query.access_token === 'string') {
      token = req.query.access_token;
    }
    if (token === undefined) return undefined;
    const client = clientAddress(req);
    // A valid token is let in even from a blocked address: operators behind one proxy or NAT
    // are not locked out by someone else's guessing; guesses from there get 429 unchecked.
    const principal = tokens.lookup(token);
    if (principal) return principal;
    const blocked = limiter.blockedFor(client, now());
    if (blocked > 0) {
      res.setHeader('Retry-After', String(Math.ceil(blocked / 1000)));
      sendError(
        res,
        new ApiError(
          429,
          'too_many_requests',
          'too many failed logins from this address; try again later',
        ),
      );
      return 'answered';
    }
    limiter.fail(client, now());
    log.warn({ client, path: req.path }, 'API request with an unknown token refused');
    sendError(res, new ApiError(401, 'unauthorized', 'unknown token'));
    return 'answered';
  };

  const jsonBody = express.json({ limit: config.maxBodyBytes, type: () => true });
  const strictEmpty = z.strictObject({});
  /** A refused state change is audited too, when we know who asked. */
  const auditRefusal = (r: RouteSpec, req: Request, principal: Principal, err: ApiError): void => {
    if (!r.audit) return;
    deps.audit.record({
      actor: `user:${principal.name}`,
      action: r.audit.action,
      // What was sent, with any refused character shown as <U+XXXX>, not stored as given.
      target: visibleText(r.audit.target(req.params as Record<string, string>, req.body)),
      reason: visibleText(reasonOf(req)),
      result: `rejected: ${err.status} ${err.message}`,
    });
  };
  for (const r of all) {
    const handlers: ((req: Request, res: Response, next: NextFunction) => void)[] = [];
    // Who is asking, before anything else (a body is parsed only for those allowed to send it).
    handlers.push((req, res, next) => {
      const principal = authenticate(req, res, r.path === '/api/stream');
      if (principal === 'answered') return;
      const denied = checkAccess(r, principal, config.openReads);
      if (denied) {
        if (principal) auditRefusal(r, req, principal, denied);
        sendError(res, denied);
        return;
      }
      res.locals.principal = principal;
      next();
    });
    if (r.body) {
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
    handlers.push((req, res, next) => {
      const principal = res.locals.principal as Principal | undefined;
      void (async () => {
        if (r.audit) {
          const problem = deps.audit.problem();
          if (problem)
            throw new ApiError(
              503,
              'unavailable',
              'state changes are refused while the audit log cannot be written; see the HeatBridge log',
              undefined,
              problem,
            );
        }
        const params = parse(r.params, req.params, 'path');
        const query = parse(r.query ?? strictEmpty, req.query, 'query');
        const body = r.body ? parse(r.body, req.body, 'body') : undefined;
        const result = await r.handle({
          params: params as Record<string, string>,
          query: query as Record<string, string | undefined>,
          body,
          principal,
          req,
          res,
        });
        if (r.raw) return;
        if (res.statusCode === 200 && r.status) res.status(r.status);
        res.json(result);
      })().catch((err: unknown) => {
        if (principal && err instanceof ApiError && err.status < 500)
          auditRefusal(r, req, principal, err);
        next(err);
      });
    });
    app[r.method](r.path, ...handlers);
  }

  app.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.get(['/api/docs', '/api/docs/'], (_req, res) => {
    res.sendFile(join(projectRoot(), 'web', 'api-docs.html'));
  });
  // Swagger UI's two files, served by HeatBridge itself (no CDN: control rooms are often
  // offline). Only these: the package also holds demo pages we do not want to serve.
  for (const file of ['swagger-ui.css', 'swagger-ui-bundle.js']) {
    app.get(`/api/docs/assets/${file}`, (_req, res) => {
      res.sendFile(join(SWAGGER_UI_DIR, file), { maxAge: '1h' });
    });
  }

  app.use('/api', (req, res) => {
    sendError(
      res,
      new ApiError(404, 'not_found', `no API route ${req.method} ${req.originalUrl.split('?')[0]}`),
    );
  });
  app.use(express.static(join(projectRoot(), 'web'), { index: 'index.html', maxAge: '1m' }));
  app.use((req, res) => {
    sendError(res, new ApiError(404, 'not_found', `nothing at ${req.path}`));
  });

  // Body-parser errors and anything a route threw: answered in JSON, never a crash.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ApiError) {
      // A server-side cause (historian down, audit file) is logged, not handed to the client.
      if (err.status >= 500)
        log.warn({ method: req.method, url: req.path, cause: err.detail }, err.message);
      sendError(res, err);
      return;
    }
    const e = err as { type?: string; status?: number; expose?: boolean; message?: string };
    if (e.type === 'entity.too.large') {
      sendError(
        res,
        new ApiError(
          413,
          'payload_too_large',
          `the body is larger than ${config.maxBodyBytes} bytes`,
        ),
      );
      return;
    }
    if (e.type === 'entity.parse.failed') {
      sendError(
        res,
        new ApiError(400, 'invalid_request', `the body is not valid JSON: ${e.message ?? ''}`),
      );
      return;
    }
    // Other client errors Express and body-parser raise (a malformed %-escape in the path, an
    // unknown Content-Encoding): their status and message, not a 500.
    const clientError = e.expose === true || err instanceof URIError;
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && clientError) {
      sendError(res, new ApiError(e.status, clientErrorCode(e.status), e.message ?? 'bad request'));
      return;
    }
    log.error({ err, method: req.method, url: req.path }, 'API request failed');
    if (res.headersSent) return;
    sendError(res, new ApiError(500, 'internal', 'internal error; see the HeatBridge log'));
  });

  const live = liveUpdates(deps, hub);
  return {
    app,
    hub,
    metrics,
    close() {
      for (const s of live) s.unsubscribe();
      hub.close();
      metrics.close();
    },
  };
}

/** The client's address: the socket's, or X-Forwarded-For's when `api.trustProxy` says so. */
function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function reasonOf(req: Request): string {
  const body = req.body as { reason?: unknown } | undefined;
  const reason = typeof body?.reason === 'string' ? body.reason : req.query.reason;
  return typeof reason === 'string' ? reason.slice(0, 500) : '';
}

function clientErrorCode(status: number): ApiError['code'] {
  if (status === 404) return 'not_found';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  return 'invalid_request';
}

function checkAccess(
  r: RouteSpec,
  principal: Principal | undefined,
  openReads: boolean,
): ApiError | undefined {
  if (r.access === 'public') return undefined;
  if (r.access === 'read') {
    if (principal || openReads) return undefined;
    return new ApiError(401, 'unauthorized', 'this needs a token (Authorization: Bearer <token>)');
  }
  if (!principal)
    return new ApiError(
      401,
      'unauthorized',
      `this needs an ${r.access}'s token (Authorization: Bearer <token>)`,
    );
  if (!hasRole(principal.role, r.access)) {
    return new ApiError(
      403,
      'forbidden',
      `${principal.name} is a ${principal.role}; this needs ${r.access} or more`,
    );
  }
  return undefined;
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

function sendError(res: Response, err: ApiError): void {
  if (res.headersSent) return;
  res
    .status(err.status)
    .json({ error: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) });
}

/**
 * What live views get over SSE: changed point values each second (quality judged now, so a value
 * going stale is sent too), alarm transitions, audit entries and the overrides after each change.
 */
function liveUpdates(deps: ApiServerDeps, hub: SseHub): Subscription[] {
  const changed = new Map<PointId, Sample>();
  const sentQuality = new Map<PointId, string>();
  const value = (id: PointId): PointValue =>
    pointValue(id, deps.defs, (i) => deps.latest.get(i), deps.now());
  const subs: Subscription[] = [];
  subs.push(deps.samples$.subscribe((s) => changed.set(s.id, s)));
  subs.push(
    interval(POINTS_FLUSH_MS).subscribe(() => {
      if (changed.size === 0 || hub.size === 0) {
        changed.clear();
        return;
      }
      const points = [...changed.keys()].filter((id) => deps.defs.has(id)).map(value);
      changed.clear();
      for (const p of points) sentQuality.set(p.id as PointId, p.quality);
      if (points.length > 0) hub.publish('points', points);
    }),
  );
  subs.push(
    interval(QUALITY_CHECK_MS).subscribe(() => {
      const now = deps.now();
      const points: PointValue[] = [];
      for (const s of deps.latest.all()) {
        if (!deps.defs.has(s.id)) continue;
        const v = pointValue(s.id, deps.defs, (i) => deps.latest.get(i), now);
        if (sentQuality.get(s.id) !== undefined && sentQuality.get(s.id) !== v.quality)
          points.push(v);
        sentQuality.set(s.id, v.quality);
      }
      if (points.length > 0) hub.publish('points', points);
    }),
  );
  subs.push(deps.alarms.transitions$.subscribe((t) => hub.publish('alarm', t)));
  subs.push(deps.audit.entries$.subscribe((e) => hub.publish('audit', e)));
  if (deps.operatorEvents$ && deps.control) {
    const control = deps.control;
    subs.push(
      deps.operatorEvents$.subscribe(() =>
        hub.publish(
          'overrides',
          control.operator.active(deps.now()).map((o) => ({
            point: o.id,
            value: o.value,
            expiresAt: new Date(o.expiresAt).toISOString(),
          })),
        ),
      ),
    );
  }
  return subs;
}

/** The HTTP server as a component. Critical: without it no one can see the others' health. */
export class ApiComponent implements Component {
  readonly name = 'api';
  readonly critical = true;
  private server: Server | undefined;
  private api: ApiApp | undefined;

  constructor(
    private readonly config: ApiConfig,
    private readonly deps: ApiServerDeps,
  ) {}

  async start(ctx: ComponentContext): Promise<void> {
    const api = createApiApp(this.config, this.deps, ctx.log);
    const server = createServer(api.app);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => {
          reject(
            err.code === 'EADDRINUSE'
              ? new Error(`port ${this.config.port} on ${this.config.host} is already in use`)
              : err,
          );
        });
        server.listen(this.config.port, this.config.host, () => resolve());
      });
    } catch (err) {
      api.close();
      throw err;
    }
    server.on('error', (err) => ctx.report('failed', `HTTP server error: ${err.message}`));
    this.server = server;
    this.api = api;
    ctx.log.info({ url: `http://${this.config.host}:${this.address().port}/` }, 'API listening');
  }

  /** Where it listens (the actual port when configured with 0, as tests do). */
  address(): AddressInfo {
    const addr = this.server?.address();
    if (!addr || typeof addr === 'string') throw new Error('API server is not listening');
    return addr;
  }

  async stop(): Promise<void> {
    this.api?.close();
    this.api = undefined;
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive and streaming connections would hold close() open indefinitely.
    server.closeAllConnections();
    await closed;
  }

  details(): Record<string, unknown> {
    return this.server
      ? { port: this.address().port, host: this.config.host, liveClients: this.api?.hub.size ?? 0 }
      : {};
  }
}
