/**
 * Point identifiers: `"<device>/<point>"`, e.g. `hp1/condenser_out_temp`.
 *
 * Branded so a plain string cannot be passed where a validated id is expected; the only ways to
 * get one are the constructors below, which enforce the naming rule. The rule is strict (lower
 * case, digits, `_` and `-`) because ids become InfluxDB tags, URL path segments and Prometheus
 * labels, and one spelling everywhere avoids escaping bugs in all three.
 */
export type PointId = string & { readonly __brand: 'PointId' };

/** A device or point name: starts with a letter, then letters, digits, `_` or `-`; at most 64. */
export const NAME_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
const POINT_ID_PATTERN = /^([a-z][a-z0-9_-]{0,63})\/([a-z][a-z0-9_-]{0,63})$/;

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

export function isPointId(value: string): value is PointId {
  return POINT_ID_PATTERN.test(value);
}

/** Builds a point id from its device and point names; throws if either name breaks the rule. */
export function pointId(device: string, point: string): PointId {
  const id = `${device}/${point}`;
  if (!isPointId(id)) {
    throw new Error(
      `invalid point id "${id}": device and point names must match ${NAME_PATTERN.source}`,
    );
  }
  return id;
}

/** Validates a full `"<device>/<point>"` string; throws with the offending value. */
export function parsePointId(value: string): PointId {
  if (!isPointId(value)) {
    throw new Error(`invalid point id "${value}": expected "<device>/<point>" in lower case`);
  }
  return value;
}

export function splitPointId(id: PointId): { device: string; point: string } {
  const slash = id.indexOf('/');
  return { device: id.slice(0, slash), point: id.slice(slash + 1) };
}
