import { ApiError } from '../api-error';
import type { Metrics } from '../metrics';
import { clientAddress } from '../request-auth';
import { get, resource } from '../route-spec';
import { streamQuery } from '../schemas';
import type { SseHub } from '../sse';

/** What changes as it happens: the SSE stream for views, the metrics for Prometheus. */
export const liveRoutes = resource('live', (hub: SseHub, metrics: Metrics) => {
  return [
    get('/api/stream', 'read', {
      summary: 'Live updates (Server-Sent Events)',
      description:
        'Events: `points` (changed values, batched each second), `alarm`, `audit`, `overrides`, `reset` (missed events are gone: fetch the state again). Reconnect with Last-Event-ID to get what was missed.',
      query: streamQuery,
      raw: { contentType: 'text/event-stream' },
      tokenInQuery: true,
      handle: ({ req, res }) => {
        if (hub.attach(res, req.header('last-event-id'), clientAddress(req)) === 'too-many')
          throw new ApiError(
            429,
            'too_many_requests',
            'too many live streams are open (api.streams); close one and try again',
          );
      },
    }),
    get('/metrics', 'read', {
      summary: 'Prometheus metrics',
      raw: { contentType: 'text/plain' },
      handle: async ({ res }) => {
        res.setHeader('Content-Type', metrics.contentType);
        res.end(await metrics.text());
      },
    }),
  ];
});
