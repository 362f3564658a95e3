/**
 * The Prometheus text exposition format (version 0.0.4), parsed far enough to check what
 * HeatBridge's `/metrics` says: each family's TYPE and every sample with its labels.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Family name → type (`counter`, `gauge`, `histogram`, `summary`, `untyped`). */
  types: Map<string, string>;
  samples: PromSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL.lastIndex = 0;
      let l: RegExpExecArray | null;
      let end = 0;
      while ((l = LABEL.exec(m[2])) !== null) {
        labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
        end = LABEL.lastIndex;
      }
      if (end !== m[2].length) throw new Error(`bad labels: ${line}`);
    }
    const v = m[3]!;
    samples.push({
      name: m[1]!,
      labels,
      value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v),
    });
  }
  return { types, samples };
}

/** The family a sample belongs to (a histogram's `_bucket`, `_sum` and `_count` are its own). */
export function familyOf(sample: string, types: Map<string, string>): string {
  if (types.has(sample)) return sample;
  const base = sample.replace(/_(bucket|sum|count)$/, '');
  return types.has(base) ? base : sample;
}

/** A label set as one key, leaving out some labels (`le`, `state`). */
export function seriesKey(labels: Record<string, string>, without: string[] = []): string {
  return JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => !without.includes(k))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** Families of `prefix` whose type and name disagree: counters without `_total`, or the reverse. */
export function counterNameProblems(e: Exposition, prefix = 'heatbridge_'): string[] {
  return [...e.types.entries()]
    .filter(([name]) => name.startsWith(prefix))
    .filter(([name, type]) => (type === 'counter') !== name.endsWith('_total'))
    .map(([name, type]) => `${name} is a ${type}`);
}

/**
 * Per series of a histogram family: its `le` bounds in order, cumulative counts, `+Inf`, `_count`
 * and `_sum`.
 */
export function histogramSeries(
  e: Exposition,
  family: string,
): {
  labels: Record<string, string>;
  buckets: { le: number; count: number }[];
  count: number | undefined;
  sum: number | undefined;
}[] {
  const bySeries = new Map<
    string,
    {
      labels: Record<string, string>;
      buckets: { le: number; count: number }[];
      count: number | undefined;
      sum: number | undefined;
    }
  >();
  const entry = (labels: Record<string, string>) => {
    const key = seriesKey(labels, ['le']);
    let s = bySeries.get(key);
    if (!s) {
      const { le: _le, ...rest } = labels;
      s = { labels: rest, buckets: [], count: undefined, sum: undefined };
      bySeries.set(key, s);
    }
    return s;
  };
  for (const s of e.samples) {
    if (s.name === `${family}_bucket`)
      entry(s.labels).buckets.push({
        le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le),
        count: s.value,
      });
    else if (s.name === `${family}_count`) entry(s.labels).count = s.value;
    else if (s.name === `${family}_sum`) entry(s.labels).sum = s.value;
  }
  return [...bySeries.values()];
}

/** Problems of a histogram: buckets out of order or decreasing, `+Inf` missing or not `_count`. */
export function histogramProblems(e: Exposition, family: string): string[] {
  const problems: string[] = [];
  if (e.types.get(family) !== 'histogram')
    problems.push(`${family} is a ${e.types.get(family) ?? 'missing'}, not a histogram`);
  for (const s of histogramSeries(e, family)) {
    const where = `${family}${JSON.stringify(s.labels)}`;
    if (s.buckets.length < 2) problems.push(`${where}: ${s.buckets.length} bucket(s)`);
    for (let i = 1; i < s.buckets.length; i++) {
      const [a, b] = [s.buckets[i - 1]!, s.buckets[i]!];
      if (!(b.le > a.le)) problems.push(`${where}: le ${b.le} after ${a.le}`);
      if (b.count < a.count) problems.push(`${where}: le ${b.le} counts ${b.count} < ${a.count}`);
    }
    const inf = s.buckets.at(-1);
    if (inf?.le !== Infinity) problems.push(`${where}: no le="+Inf" bucket`);
    else if (inf.count !== s.count)
      problems.push(`${where}: +Inf ${inf.count} ≠ _count ${s.count}`);
    if (s.sum === undefined) problems.push(`${where}: no _sum`);
  }
  return problems;
}

/**
 * Label values that pack a protocol with a `host:port` (`modbus tcp:10.0.0.5:502`,
 * `opc.tcp://plc:4840`): one fact per label, so queries can select and group by each.
 */
export function packedLabelValues(e: Exposition): string[] {
  const packed = /\b(?:modbus|opcua|opc\.tcp|tcp|rtu|rtu-over-tcp)\b.*?[\w.\]-]+:\d{1,5}\b/i;
  return e.samples.flatMap((s) =>
    Object.entries(s.labels)
      .filter(([, v]) => packed.test(v))
      .map(([k, v]) => `${s.name}{${k}="${v}"}`),
  );
}

/**
 * Problems of an enum-style state gauge: per series (all labels but `state`), every one of
 * `states` present, exactly one of them 1 and the others 0.
 */
export function stateSetProblems(
  e: Exposition,
  family: string,
  states: readonly string[],
): string[] {
  const bySeries = new Map<string, Map<string, number>>();
  for (const s of e.samples) {
    if (s.name !== family) continue;
    const key = seriesKey(s.labels, ['state']);
    const m = bySeries.get(key) ?? new Map<string, number>();
    m.set(s.labels.state ?? '(no state label)', s.value);
    bySeries.set(key, m);
  }
  if (bySeries.size === 0) return [`no ${family} series`];
  const problems: string[] = [];
  for (const [key, m] of bySeries) {
    const ones = [...m].filter(([, v]) => v === 1).map(([k]) => k);
    if (ones.length !== 1) problems.push(`${family}${key}: ${ones.length} states at 1`);
    if ([...m.values()].some((v) => v !== 0 && v !== 1))
      problems.push(`${family}${key}: values other than 0 and 1`);
    const have = [...m.keys()].sort().join(',');
    if (have !== [...states].sort().join(',')) problems.push(`${family}${key}: states ${have}`);
  }
  return problems;
}
