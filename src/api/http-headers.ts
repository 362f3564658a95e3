import type { RequestHandler } from 'express';

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  // Scripts only from HeatBridge itself; styles may be inline (SVG and Swagger UI use them).
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * Security headers on every answer, no caching of the API, and CORS for the configured origins
 * only (a preflight from one is answered here).
 */
export function responseHeaders(corsOrigins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    // Plant state and audit entries are not for a browser's or proxy's cache.
    if (req.path.startsWith('/api/') || req.path === '/metrics')
      res.setHeader('Cache-Control', 'no-store');
    const origin = req.header('origin');
    if (origin && corsOrigins.includes(origin)) {
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
  };
}
