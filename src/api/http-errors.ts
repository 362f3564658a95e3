import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '../log';
import { ApiError } from './api-error';

/** The JSON error answer (`Error` in the OpenAPI document), unless an answer has begun. */
export function sendError(res: Response, err: ApiError): void {
  if (res.headersSent) return;
  res
    .status(err.status)
    .json({ error: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) });
}

/** Body-parser errors and anything a route threw: answered in JSON, never a crash. */
export function errorHandler(maxBodyBytes: number, log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
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
        new ApiError(413, 'payload_too_large', `the body is larger than ${maxBodyBytes} bytes`),
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
  };
}

function clientErrorCode(status: number): ApiError['code'] {
  if (status === 404) return 'not_found';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  return 'invalid_request';
}
