import type { Observable, SchedulerLike } from 'rxjs';
import type { AlarmList } from '../alarms/alarm-list';
import type { TokenStore } from '../api/auth';
import type { Kpis } from '../api/kpi';
import type { SiteConfig } from '../config';
import type { PointDef } from '../domain/point';
import type { PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import type { Logger } from '../log';
import type { LatestValues } from '../runtime/latest-values';
import type { ScadaGate } from './scada-gate';

/**
 * What a northbound interface (OPC UA server, Modbus TCP server, Sparkplug B publisher) is given:
 * it reads what the API reads, and writes only through the gate. Built once in
 * northbound-wiring.ts.
 */
export interface NorthboundDeps {
  site: SiteConfig;
  /** Every point HeatBridge knows: the site's, control's and derived, utility, signal, value. */
  defs: ReadonlyMap<PointId, PointDef>;
  /** The latest sample of every point. */
  latest: Pick<LatestValues, 'get' | 'all'>;
  /** Every sample as it arrives (the same stream the API's live updates follow). */
  samples$: Observable<Sample>;
  /** The alarm list: active alarms and their transitions. */
  alarms: Pick<AlarmList, 'list' | 'get' | 'transitions$'>;
  /** A device's mode (operator: auto or manual). */
  mode: (device: string) => 'auto' | 'manual';
  /** The site's KPIs now (as GET /api/kpis gives them). */
  kpis: (now: number) => Kpis;
  /** The SCADA's writes; absent without `northbound.requests`: the servers are read-only. */
  gate?: ScadaGate;
  /**
   * The API's tokens: OPC UA users authenticate with a token's name and the token. Read at a
   * server's start (a tokens file's problem fails that start, with its path).
   */
  tokens: () => TokenStore;
  log: Logger;
  now: () => number;
  scheduler?: SchedulerLike;
}
