import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../../src/log';
import { listenError } from '../../src/util/listen-error';
import { faultSchema } from '../faults';
import type { Simulation } from '../simulation';

/**
 * The simulators' admin API, on loopback only: inject and clear faults, look at the plant's state
 * and at every write the PLC received. It is a test and demo tool, so it has no authentication;
 * it never listens beyond 127.0.0.1.
 */
export function createAdminApp(
  sim: Simulation,
  onFaultsChanged: () => Promise<void>,
  log: Logger,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));

  app.get('/state', (_req, res) => {
    res.json(sim.snapshot());
  });
  app.get('/writes', (_req, res) => {
    res.json(sim.writes());
  });
  app.get('/faults', (_req, res) => {
    res.json(sim.faults());
  });
  app.post('/faults', async (req, res) => {
    const parsed = faultSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({
        error: 'bad_fault',
        issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
      return;
    }
    try {
      const fault = sim.addFault(parsed.data);
      await onFaultsChanged();
      log.info({ fault }, 'fault injected');
      res.status(201).json(fault);
    } catch (err) {
      res.status(400).json({ error: 'bad_fault', message: (err as Error).message });
    }
  });
  app.delete('/faults/:id', async (req, res) => {
    const id = Number(req.params.id);
    if (!sim.clearFault(id)) {
      res.status(404).json({ error: 'not_found', message: `no fault ${req.params.id}` });
      return;
    }
    await onFaultsChanged();
    log.info({ id }, 'fault cleared');
    res.status(204).end();
  });
  app.delete('/faults', async (_req, res) => {
    sim.clearFaults();
    await onFaultsChanged();
    log.info('all faults cleared');
    res.status(204).end();
  });
  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route ${req.method} ${req.path}` });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status ?? 500;
    if (status >= 500) log.error({ err }, 'admin API request failed');
    res.status(status).json({
      error: status === 400 ? 'bad_request' : 'internal',
      message: (err as Error).message,
    });
  });
  return app;
}

export async function listenAdmin(app: express.Express, port: number): Promise<Server> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(listenError(err, { port, host: '127.0.0.1', what: "the simulators' admin API" })),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}
