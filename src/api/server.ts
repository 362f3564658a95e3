import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ApiConfig } from '../config/api';
import type { Logger } from '../log';
import type { Component, ComponentContext, HealthReport } from '../runtime/component';
import { heatbridgeVersion, projectRoot } from '../util/project-root';

export interface ApiDeps {
  site: { id: string; name: string };
  /** The supervisor's view of every component, this one included. */
  health: () => HealthReport;
  now?: () => number;
}

/** Express app with the API routes and the web page. Separate from listening, for tests. */
export function createApiApp(deps: ApiDeps, log: Logger): express.Express {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });

  app.get('/api/health', (_req, res) => {
    const report = deps.health();
    // 200 while the controller does its job (possibly degraded); 503 so a load balancer or
    // orchestrator notices when a component has failed or HeatBridge is starting/stopping.
    const httpStatus = report.status === 'ok' || report.status === 'degraded' ? 200 : 503;
    res.status(httpStatus).json({
      status: report.status,
      site: deps.site,
      version: heatbridgeVersion(),
      uptimeS: Math.round((now() - startedAt) / 1000),
      components: report.components,
    });
  });

  app.use('/api', (req, res) => {
    res
      .status(404)
      .json({ error: 'not_found', message: `no API route ${req.method} ${req.originalUrl}` });
  });

  app.use(express.static(join(projectRoot(), 'web'), { index: 'index.html', maxAge: '1m' }));

  // Last resort: an error in a route is logged and answered, never left to crash the process.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    log.error({ err, method: req.method, url: req.originalUrl }, 'API request failed');
    if (res.headersSent) return;
    res.status(500).json({ error: 'internal', message: 'internal error; see the HeatBridge log' });
  });
  return app;
}

/** The HTTP server as a component. Critical: without it no one can see the others' health. */
export class ApiComponent implements Component {
  readonly name = 'api';
  readonly critical = true;
  private server: Server | undefined;

  constructor(
    private readonly config: ApiConfig,
    private readonly deps: ApiDeps,
  ) {}

  async start(ctx: ComponentContext): Promise<void> {
    const app = createApiApp(this.deps, ctx.log);
    const server = createServer(app);
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
    server.on('error', (err) => ctx.report('failed', `HTTP server error: ${err.message}`));
    this.server = server;
    ctx.log.info({ url: `http://${this.config.host}:${this.address().port}/` }, 'API listening');
  }

  /** Where it listens (the actual port when configured with 0, as tests do). */
  address(): AddressInfo {
    const addr = this.server?.address();
    if (!addr || typeof addr === 'string') throw new Error('API server is not listening');
    return addr;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive and streaming connections would hold close() open indefinitely.
    server.closeAllConnections();
    await closed;
  }

  details(): Record<string, unknown> {
    return this.server ? { port: this.address().port, host: this.config.host } : {};
  }
}
