import { z } from 'zod';
import { heatbridgeVersion } from '../util/project-root';
import type { RouteSpec } from './route-spec';
import { errorSchema } from './schemas';

type JsonSchema = Record<string, unknown>;

/** Standard error answers, by status, with when they happen. */
const ERRORS: Record<number, string> = {
  400: 'The request is not valid: `issues` names each field and what is wrong with it',
  401: 'No token, or a token HeatBridge does not know',
  403: 'The token’s role may not do this',
  404: 'No such point, device, alarm or route',
  409: 'The state does not allow it (e.g. already acknowledged)',
  413: 'The body is larger than api.maxBodyBytes',
  415: 'The body is not in a media type the route takes (JSON; a plan also CSV)',
  429: 'Too many failed logins from this address; retry after Retry-After seconds',
  503: 'A part HeatBridge needs for this (historian, control) is not running',
};

/**
 * The OpenAPI 3.1 document of the routes, generated from the same zod schemas the routes
 * validate with. Schemas with an `id` (`.meta({ id })`) become reusable components.
 */
export function openApiDocument(
  routes: readonly RouteSpec[],
  site: { id: string; name: string },
): JsonSchema {
  const components: Record<string, JsonSchema> = {};
  const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const json = z.toJSONSchema(schema, {
      io,
      target: 'draft-2020-12',
      unrepresentable: 'any',
      reused: 'inline',
      override: (ctx) => {
        delete (ctx.jsonSchema as JsonSchema).$schema;
      },
    }) as JsonSchema;
    // Named schemas go to components; references point there, those between named schemas
    // (a HeatSignal's HeatSignalHour) included.
    const moved = JSON.parse(
      JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/'),
    ) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    for (const [id, def] of Object.entries(moved.$defs ?? {})) components[id] = def;
    delete moved.$defs;
    delete moved.$schema;
    return moved;
  };
  components.Error = toSchema(errorSchema, 'output');

  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([a-zA-Z]+)/g, '{$1}');
    const parameters: unknown[] = [];
    const addParams = (schema: z.ZodObject | undefined, where: 'path' | 'query'): void => {
      if (!schema) return;
      const json = toSchema(schema, 'input') as {
        properties?: Record<string, JsonSchema>;
        required?: string[];
      };
      for (const [name, prop] of Object.entries(json.properties ?? {})) {
        const { description, ...rest } = prop as { description?: string };
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (json.required ?? []).includes(name),
          schema: rest,
          ...(description ? { description } : {}),
        });
      }
    };
    addParams(r.params, 'path');
    addParams(r.query, 'query');
    const responses: Record<string, unknown> = {};
    const ok = String(r.status ?? 200);
    if (r.raw) {
      responses[ok] = {
        description: 'OK',
        content: { [r.raw.contentType]: { schema: { type: 'string' } } },
      };
    } else {
      responses[ok] = {
        description: 'OK',
        content: {
          'application/json': { schema: r.response ? toSchema(r.response, 'output') : {} },
        },
      };
    }
    const errorStatuses = [
      ...(r.params || r.query || r.body || r.document ? [400] : []),
      ...(r.access !== 'public' ? [401] : []),
      ...(r.access !== 'public' && r.access !== 'read' ? [403] : []),
      ...(r.params ? [404] : []),
      ...(r.method === 'post' && r.path.endsWith('/ack') ? [409] : []),
      ...(r.body || r.document ? [413, 415] : []),
      ...(r.access !== 'public' ? [429] : []),
    ];
    const own = r.errors ?? {};
    const statuses = [...new Set([...errorStatuses, ...Object.keys(own).map(Number)])].sort(
      (a, b) => a - b,
    );
    for (const status of statuses) {
      responses[String(status)] = {
        description: own[status] ?? ERRORS[status],
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const security =
      r.access === 'public'
        ? []
        : r.access === 'read'
          ? [{ bearerAuth: [] }, {}]
          : [{ bearerAuth: [] }];
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      operationId: `${r.method}${path.replace(/[{}]/g, '').replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      'x-required-role': r.access,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toSchema(r.body, 'input') } },
            },
          }
        : {}),
      ...(r.document
        ? {
            requestBody: {
              required: true,
              description: r.document.description,
              content: Object.fromEntries(
                r.document.types.map((t) => [
                  t,
                  {
                    schema:
                      t === 'application/json'
                        ? toSchema(r.document!.schema, 'input')
                        : { type: 'string' },
                  },
                ]),
              ),
            },
          }
        : {}),
      responses,
      security,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'HeatBridge API',
      version: heatbridgeVersion(),
      description: `The HTTP API of HeatBridge for site "${site.name}" (${site.id}). Reads need a token with any role unless the site opens them (api.openReads); every state-changing call needs a token whose role may make it (operator or engineer; the utility's role publishes day-ahead plans) and is audited.`,
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'status', description: 'Health and session' },
      { name: 'points', description: 'Latest values and history' },
      { name: 'plant', description: 'The plant as a whole, and its KPIs' },
      { name: 'alarms', description: 'Alarms and acknowledgement' },
      { name: 'control', description: 'Overrides and modes' },
      { name: 'utility', description: 'Day-ahead plans, connection mode, prices and value' },
      {
        name: 'signals',
        description: 'The heat signal for the data center’s schedulers (advice, never control)',
      },
      { name: 'audit', description: 'Who changed what' },
      { name: 'live', description: 'Server-Sent Events and metrics' },
    ],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token (api.tokens)' },
      },
    },
  };
}
