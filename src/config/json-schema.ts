import { z } from 'zod';
import { siteSchema } from './site';

/**
 * The JSON Schema of the site config, for editors (YAML language servers read it through a
 * `# yaml-language-server: $schema=...` comment). It describes the file as written (`io: input`):
 * defaults are optional and secrets are strings or `{ env }`.
 */
export function siteJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(siteSchema({}), {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Record<string, unknown>;
  return {
    ...schema,
    title: 'HeatBridge site configuration',
  };
}
