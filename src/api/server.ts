import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import express from 'express';
import { interval, type Observable, type Subscription } from 'rxjs';
import type { ApiConfig } from '../config/api';
import type { OperatorEvent } from '../domain/operator-event';
import type { PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import type { Logger } from '../log';
import type { Component, ComponentContext } from '../runtime/component';
import { projectRoot } from '../util/project-root';
import { ApiError } from './api-error';
import { errorHandler, sendError } from './http-errors';
import { Metrics } from './metrics';
import { mountRoutes } from './mount-routes';
import { openApiDocument } from './openapi';
import { pointValue, type PointValue } from './plant-view';
import { tokenAuthentication } from './request-auth';
import { apiRoutes, liveRoutes, type ApiDeps } from './routes';
import { SseHub } from './sse';

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
  const authenticate = tokenAuthentication(config, log, deps.now);
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
  const routes = [...apiRoutes(deps, deps.now()), ...liveRoutes(hub, metrics)];

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
  mountRoutes(app, routes, {
    authenticate,
    openReads: config.openReads,
    maxBodyBytes: config.maxBodyBytes,
    audit: deps.audit,
  });
  const openapi = openApiDocument(routes, { id: deps.site.site.id, name: deps.site.site.name });
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
  app.use(errorHandler(config.maxBodyBytes, log));

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
