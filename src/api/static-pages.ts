import { dirname, join } from 'node:path';
import express, { type Express } from 'express';
import { projectRoot } from '../util/project-root';
import { ApiError } from './api-error';
import { sendError } from './http-errors';

const SWAGGER_UI_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));

/** The OpenAPI document and its Swagger UI page, served by HeatBridge itself. */
export function serveApiDocs(app: Express, openapi: Record<string, unknown>): void {
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
}

/**
 * After the routes: the web page (web/), and a JSON 404 for anything else — an unknown API
 * route is never answered with the page.
 */
export function serveWebPage(app: Express): void {
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
}
