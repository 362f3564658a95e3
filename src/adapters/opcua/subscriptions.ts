import {
  AttributeIds,
  ClientSubscription,
  DataChangeFilter,
  DataChangeTrigger,
  DeadbandType,
  TimestampsToReturn,
  type ClientMonitoredItemBase,
  type DataValue,
} from 'node-opcua';
import type { OpcuaDeviceConfig, OpcuaPointConfig } from '../../config/opcua';
import type { Logger } from '../../log';
import type { Connection, Liveness } from './client';
import type { ItemState, OpcuaItems } from './items';
import { qualityOfStatus } from './quality';

/** Monitored items per subscription: a few subscriptions, never one per item. */
const ITEMS_PER_SUBSCRIPTION = 1000;

export interface SubscribeOptions {
  cfg: OpcuaDeviceConfig;
  items: OpcuaItems;
  liveness: Liveness;
  log: Logger;
  now: () => number;
  /** Counted for /api/health and /metrics. */
  counts: { keepalives: number; notifications: number };
}

/**
 * Monitors the device's readable points on the connection's session, in a few subscriptions, and
 * watches the server's publish responses: a server silent for `silenceMs` (hung, network cut)
 * fails the connection. Every publish response, keep-alives included, confirms the values that
 * did not change.
 */
export async function subscribe(conn: Connection, o: SubscribeOptions): Promise<void> {
  const { cfg, items, now } = o;
  const { keepAliveCount, silenceMs } = o.liveness;
  const session = conn.session!;
  const readable = items.readable();
  let lastContact = now();
  for (let start = 0; start < readable.length; start += ITEMS_PER_SUBSCRIPTION) {
    const chunk = readable.slice(start, start + ITEMS_PER_SUBSCRIPTION);
    const sub = ClientSubscription.create(session, {
      requestedPublishingInterval: cfg.publishingIntervalMs,
      requestedMaxKeepAliveCount: keepAliveCount,
      requestedLifetimeCount: keepAliveCount * 4,
      maxNotificationsPerPublish: 0,
      priority: 1,
      // node-opcua's default is false: no data would ever arrive.
      publishingEnabled: true,
    });
    conn.subscriptions.push(sub);
    sub.on('error', (err: Error) => conn.fail(`subscription error: ${err.message}`));
    sub.on('internal_error', (err: Error) => conn.fail(`subscription error: ${err.message}`));
    sub.on('terminated', () => conn.fail('subscription terminated by the server'));
    sub.on('keepalive', () => {
      lastContact = now();
      o.counts.keepalives += 1;
      items.confirmUnchanged();
    });
    sub.on('received_notifications', () => {
      // Any publish response also confirms the unchanged items of this subscription.
      lastContact = now();
      items.confirmUnchanged();
    });
    await new Promise<void>((resolve, reject) => {
      sub.once('started', () => resolve());
      sub.once('error', reject);
    });
    // One CreateMonitoredItems request per combination of sampling settings.
    const groups = new Map<string, ItemState[]>();
    for (const item of chunk) {
      const sampling = item.cfg.samplingIntervalMs ?? cfg.samplingIntervalMs;
      const key = `${sampling}|${item.cfg.deadband?.type ?? ''}|${item.cfg.deadband?.value ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    for (const group of groups.values()) {
      const monitored = await sub.monitorItems(
        group.map((i) => ({ nodeId: i.nodeId!, attributeId: AttributeIds.Value })),
        {
          samplingInterval: group[0]!.cfg.samplingIntervalMs ?? cfg.samplingIntervalMs,
          queueSize: cfg.queueSize,
          discardOldest: true,
          filter: dataChangeFilter(group[0]!.cfg.deadband),
        },
        TimestampsToReturn.Both,
      );
      monitored.monitoredItems.forEach((mi, k) => {
        const status = mi.statusCode;
        if (qualityOfStatus(status) !== 'good') {
          const item = group[k]!;
          item.problem = `monitored item refused: ${status.toString()}`;
          o.log.warn({ point: item.id, problem: item.problem }, 'OPC UA point cannot be monitored');
          items.emitQuality(item, 'bad', now());
        }
      });
      monitored.on('changed', (_mi: ClientMonitoredItemBase, dv: DataValue, index: number) => {
        lastContact = now();
        o.counts.notifications += 1;
        const item = group[index];
        if (item) items.onValue(item, dv);
      });
    }
  }
  // Keep-alive watchdog: a server that stops answering (hung, network cut) is noticed here.
  conn.timers.push(
    setInterval(
      () => {
        if (now() - lastContact > silenceMs) conn.fail(`no publish response for ${silenceMs} ms`);
      },
      Math.min(1000, silenceMs / 4),
    ),
  );
}

/** Notifications on a change of status or value, beyond the point's deadband if it has one. */
function dataChangeFilter(deadband: OpcuaPointConfig['deadband']): DataChangeFilter {
  return new DataChangeFilter({
    trigger: DataChangeTrigger.StatusValue,
    deadbandType: deadband
      ? deadband.type === 'percent'
        ? DeadbandType.Percent
        : DeadbandType.Absolute
      : DeadbandType.None,
    deadbandValue: deadband?.value ?? 0,
  });
}
