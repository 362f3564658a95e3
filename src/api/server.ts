import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Observable } from 'rxjs';
import type { ApiConfig } from '../config/api';
import type { OperatorEvent } from '../domain/operator-event';
import type { Sample } from '../domain/sample';
import type { Logger } from '../log';
import type { Component, ComponentContext } from '../runtime/component';
import { listenError } from '../util/listen-error';
import { errorHandler } from './http-errors';
import { responseHeaders } from './http-headers';
import { liveUpdates } from './live-updates';
import { Metrics, type LabelledAdapter } from './metrics';
import { mountRoutes } from './mount-routes';
import { openApiDocument } from './openapi';
import { tokenAuthentication } from './request-auth';
import { apiRoutes, liveRoutes, type ApiDeps } from './routes';
import { SseHub } from './sse';
import { serveApiDocs, serveWebPage } from './static-pages';

export interface ApiServerDeps extends ApiDeps {
  /** Every sample (field, control, historian): live updates. */
  samples$: Observable<Sample>;
  /**
   * The same samples in the batches they came in (the field adapters' reads); when given, live
   * updates take these instead of `samples$` (one emission per read, not per value).
   */
  sampleBatches$?: Observable<readonly Sample[]>;
  /** Control's own samples (cycle durations for /metrics). */
  controlSamples$?: Observable<Sample>;
  operatorEvents$?: Observable<OperatorEvent>;
  /** The field adapters, which label the per-adapter metrics themselves. */
  adapters?: readonly LabelledAdapter[];
}

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
    adapters: deps.adapters ?? [],
    latest: (id) => deps.latest.get(id),
    controlSamples$: deps.controlSamples$ ?? deps.samples$,
    sseClients: () => hub.size,
    ...(deps.heatSignal ? { heatSignal: deps.heatSignal } : {}),
  });
  const routes = [...apiRoutes(deps, deps.now()), ...liveRoutes(hub, metrics)];

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', config.trustProxy);
  app.use(responseHeaders(config.corsOrigins));
  mountRoutes(app, routes, {
    authenticate,
    openReads: config.openReads,
    maxBodyBytes: config.maxBodyBytes,
    audit: deps.audit,
  });
  serveApiDocs(app, openApiDocument(routes, { id: deps.site.site.id, name: deps.site.site.name }));
  serveWebPage(app);
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
        // In use, not allowed: one line naming the port (the CLI adds how to move it).
        server.once('error', (err) => {
          const { port, host } = this.config;
          reject(listenError(err, { port, host, what: 'the API and web page' }));
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
