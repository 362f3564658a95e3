import type { z } from 'zod';
import type { IssuePath } from './format-issues';

type AnyDef = {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  options?: readonly z.core.$ZodType[];
  discriminator?: string;
  valueType?: z.core.$ZodType;
  element?: z.core.$ZodType;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
};

const defOf = (schema: z.core.$ZodType): AnyDef => schema._zod.def;

/** Strips wrappers (optional, default, transforms) down to the schema that checks the shape. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  for (;;) {
    const def = defOf(s);
    if (
      (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') &&
      def.innerType
    ) {
      s = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      s = def.in;
    } else return s;
  }
}

/**
 * The keys an object at `path` may have, found by walking the schema alongside the data (the data
 * picks the branch of a discriminated union). Used for "did you mean" hints on unknown keys.
 */
export function schemaKeysAt(root: z.core.$ZodType, data: unknown, path: IssuePath): string[] {
  let schema = unwrap(root);
  let value = data;
  for (const seg of path) {
    schema = pick(schema, value);
    const def = defOf(schema);
    if (def.type === 'object' && def.shape && typeof seg === 'string') {
      const next = def.shape[seg];
      if (!next) return [];
      schema = unwrap(next);
    } else if (def.type === 'record' && def.valueType) {
      schema = unwrap(def.valueType);
    } else if (def.type === 'array' && def.element) {
      schema = unwrap(def.element);
    } else return [];
    value = (value as Record<PropertyKey, unknown> | undefined)?.[seg as string];
  }
  const def = defOf(pick(schema, value));
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** For a (discriminated) union, the option the data selects; otherwise the schema itself. */
function pick(schema: z.core.$ZodType, value: unknown): z.core.$ZodType {
  const def = defOf(schema);
  if (def.type !== 'union' || !def.options) return schema;
  const tag = def.discriminator;
  if (tag && typeof value === 'object' && value !== null) {
    const wanted = (value as Record<string, unknown>)[tag];
    for (const option of def.options) {
      const inner = unwrap(option);
      const shape = defOf(inner).shape;
      const literal = shape?.[tag];
      const values = literal ? (defOf(literal) as { values?: unknown[] }).values : undefined;
      if (values?.includes(wanted)) return inner;
    }
  }
  return schema;
}
