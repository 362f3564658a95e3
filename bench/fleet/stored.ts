/**
 * What VictoriaMetrics stored, counted with PromQL: samples per site of the historian's numeric
 * series (`<measurement>_value`) between `from` and `to` (ms). `queryBase` is a single node's
 * URL, or vmselect's `http://host:8481/select/0/prometheus`.
 */
export const HISTORIAN_MEASUREMENTS = ['measurement', 'setpoint', 'status', 'derived'] as const;

export async function promQuery(
  queryBase: string,
  query: string,
  time?: number,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const url = new URL(`${queryBase}/api/v1/query`);
  url.searchParams.set('query', query);
  if (time !== undefined) url.searchParams.set('time', (time / 1000).toFixed(3));
  url.searchParams.set('nocache', '1');
  const res = await fetch(url);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`${query}: ${body.error ?? res.status}`);
  return body.data!.result;
}

export async function storedBySite(
  queryBase: string,
  siteRegex: string,
  from: number,
  to: number,
): Promise<Record<string, number>> {
  // Recent rows sit in memory buffers for up to a second; a single node flushes them on request
  // (a cluster's vmselect has no such endpoint: then the wait below does it).
  await fetch(`${queryBase.replace(/\/select\/\d+\/prometheus$/, '')}/internal/force_flush`).catch(
    () => undefined,
  );
  await new Promise((r) => setTimeout(r, 1500));
  const windowS = Math.ceil((to - from) / 1000) + 1;
  const out: Record<string, number> = {};
  // One query per measurement keeps each under the per-query series limits.
  for (const m of HISTORIAN_MEASUREMENTS) {
    const rows = await promQuery(
      queryBase,
      `sum by (site) (count_over_time(${m}_value{site=~"${siteRegex}"}[${windowS}s]))`,
      to,
    );
    for (const r of rows) out[r.metric.site!] = (out[r.metric.site!] ?? 0) + Number(r.value[1]);
  }
  return out;
}
