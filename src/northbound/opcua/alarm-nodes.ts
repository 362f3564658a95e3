import {
  auditTime,
  merge,
  Subject,
  type Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import {
  DataType,
  NodeId,
  StatusCodes,
  Variant,
  type Namespace,
  type UAAlarmConditionEx,
  type UAObject,
  type UAVariable,
} from 'node-opcua';
import type { Alarm } from '../../alarms/alarm-list';
import type { AlarmPriority } from '../../domain/alarm-priority';
import { addInfo, infoVariant } from './nodes';

/** An alarm's priority as an OPC UA event severity (1 … 1000). */
export const SEVERITY_OF_PRIORITY: Record<AlarmPriority, number> = {
  critical: 900,
  high: 700,
  medium: 500,
  low: 300,
};

/** The condition methods a client could change an alarm with: HeatBridge's API owns them. */
const REFUSED_METHODS = ['acknowledge', 'confirm', 'addComment', 'enable', 'disable'] as const;

/** An alarm's variables, as the folder shows them. */
const FIELDS = {
  State: 'String',
  Active: 'Boolean',
  Acknowledged: 'Boolean',
  Priority: 'String',
  Message: 'String',
  Source: 'String',
  RaisedAt: 'DateTime',
  ClearedAt: 'DateTime',
} as const;
type Field = keyof typeof FIELDS;

function fieldValue(a: Alarm, field: Field): string | boolean | Date | undefined {
  switch (field) {
    case 'State':
      return a.state;
    case 'Active':
      return a.state === 'active-unacked' || a.state === 'active-acked';
    case 'Acknowledged':
      return a.state === 'active-acked' || a.state === 'normal';
    case 'Priority':
      return a.priority;
    case 'Message':
      return a.message;
    case 'Source':
      return a.source;
    case 'RaisedAt':
      return new Date(a.raisedAt);
    case 'ClearedAt':
      return a.clearedAt ? new Date(a.clearedAt) : undefined;
  }
}

/** One alarm as shown: its object, variables and condition, and what the condition last said. */
interface Shown {
  obj: UAObject;
  vars: Map<Field, UAVariable>;
  condition: UAAlarmConditionEx;
  said: string;
  /** The alarm as last shown (JSON): an unchanged alarm costs nothing more. */
  seen: string;
}

/**
 * A new condition instance costs node-opcua 10–70 ms, synchronously. An alarm flood (hundreds
 * raised at once) is shown this many per sync, the rest on the following ticks, so the event loop
 * (control, the API) is never held for long.
 */
export const NEW_CONDITIONS_PER_SYNC = 20;

const isActive = (a: Alarm): boolean => a.state === 'active-unacked' || a.state === 'active-acked';

/** The time of an alarm's latest transition: raised, cleared, acknowledged or shelved. */
function latestTime(a: Alarm): number {
  const times = [a.raisedAt, a.clearedAt, a.ackedAt, a.shelved?.since].filter(
    (t): t is string => t !== undefined,
  );
  return Math.max(...times.map((t) => Date.parse(t)).filter(Number.isFinite));
}

/**
 * Objects/HeatBridge/Alarms: the alarm list operators see (active or unacknowledged, not shelved,
 * as GET /api/alarms lists them), one object per alarm (browse name and NodeId `Alarms/<key>`)
 * with its ISA-18.2 state, priority, message and times, and `Count`. Each alarm is also an OPC UA
 * Alarms & Conditions `AlarmConditionType` instance (`Alarms/<key>.Condition`, source the alarm's
 * object) whose every change is an event through the Server object: ActiveState, AckedState,
 * Retain, Severity from the priority, Message, Time of the alarm's transition. An alarm that
 * leaves the list (cleared and acknowledged, or shelved: then still active) raises a last event
 * with Retain false and is removed from the address space. Acknowledging and commenting over OPC UA are refused (BadUserAccessDenied): operators do
 * that in HeatBridge, where it is audited.
 */
export class AlarmNodes {
  private readonly folder: UAObject;
  private readonly count: UAVariable;
  private readonly shown = new Map<string, Shown>();

  /** `root` must be an event notifier of the Server object (it is in opcua-server.ts). */
  constructor(
    private readonly ns: Namespace,
    root: UAObject,
    private readonly minimumSamplingInterval: number,
    private readonly maxNewPerSync = NEW_CONDITIONS_PER_SYNC,
  ) {
    ns.addressSpace.installAlarmsAndConditionsService();
    this.folder = ns.addObject({
      organizedBy: root,
      typeDefinition: 'FolderType',
      browseName: 'Alarms',
      nodeId: 's=Alarms',
      description: 'Alarms an operator must see: active or unacknowledged, not shelved',
      eventSourceOf: root,
      eventNotifier: 1,
    });
    this.count = addInfo(ns, {
      parent: this.folder,
      browseName: 'Count',
      nodeId: 's=Alarms.Count',
      dataType: 'UInt32',
      description: 'How many alarms the list holds',
      minimumSamplingInterval,
    });
  }

  /**
   * Shows `list` (the alarm list now): adds, updates and removes alarm objects; at most
   * NEW_CONDITIONS_PER_SYNC new ones. Returns true when some listed alarms still wait to be added
   * (sync again on the next tick). `get` finds an alarm that left the list (a shelved one is still
   * active); `now` is the receive time of the events.
   */
  sync(
    list: readonly Alarm[],
    now: number,
    get: (key: string) => Alarm | undefined = () => undefined,
  ): boolean {
    const keys = new Set(list.map((a) => a.key));
    for (const [key, node] of this.shown) {
      if (keys.has(key)) continue;
      this.raise(node, get(key), now, false);
      this.ns.addressSpace.deleteNode(node.obj);
      this.shown.delete(key);
    }
    let added = 0;
    let waiting = false;
    for (const a of list) {
      let node = this.shown.get(a.key);
      if (!node) {
        if (added >= this.maxNewPerSync) {
          waiting = true;
          continue;
        }
        added += 1;
        node = this.add(a);
      }
      const seen = JSON.stringify(a);
      if (seen === node.seen) continue;
      node.seen = seen;
      for (const [field, v] of node.vars) {
        const value = fieldValue(a, field);
        const current: unknown = v.readValue().value.value;
        const same =
          current instanceof Date && value instanceof Date
            ? current.getTime() === value.getTime()
            : current === (value ?? null);
        if (!same) v.setValueFromSource(infoVariant(FIELDS[field], value));
      }
      this.raise(node, a, now, true);
    }
    if (this.count.readValue().value.value !== list.length)
      this.count.setValueFromSource(new Variant({ dataType: DataType.UInt32, value: list.length }));
    return waiting;
  }

  private add(a: Alarm): Shown {
    const obj = this.ns.addObject({
      organizedBy: this.folder,
      browseName: a.key,
      nodeId: `s=Alarms/${a.key}`,
      eventSourceOf: this.folder,
      eventNotifier: 1,
    });
    const vars = new Map<Field, UAVariable>();
    for (const [field, dataType] of Object.entries(FIELDS) as [Field, (typeof FIELDS)[Field]][])
      vars.set(
        field,
        addInfo(this.ns, {
          parent: obj,
          browseName: field,
          nodeId: `s=Alarms/${a.key}.${field}`,
          dataType,
          minimumSamplingInterval: this.minimumSamplingInterval,
        }),
      );
    const condition = this.ns.instantiateAlarmCondition('AlarmConditionType', {
      componentOf: obj,
      conditionSource: obj,
      browseName: 'Condition',
      nodeId: `s=Alarms/${a.key}.Condition`,
      conditionName: a.key,
      inputNode: NodeId.nullNodeId,
    });
    condition.setEnabledState(true);
    for (const name of REFUSED_METHODS)
      condition
        .getMethodByName(name.charAt(0).toUpperCase() + name.slice(1))
        ?.bindMethod((_args, _context, callback) =>
          callback(null, { statusCode: StatusCodes.BadUserAccessDenied }),
        );
    const node: Shown = { obj, vars, condition, said: '', seen: '' };
    this.shown.set(a.key, node);
    return node;
  }

  /**
   * The condition's state from the alarm's, and an event when it changed. Retained while listed
   * (active or unacknowledged). An alarm off the list (`listed` false) is retained no more: it is
   * normal (or gone), or shelved — then it may still be active, and ActiveState says so.
   * The event's Time is the alarm's latest transition; ReceiveTime is now.
   */
  private raise(node: Shown, a: Alarm | undefined, now: number, listed: boolean): void {
    const active = a !== undefined && isActive(a);
    const acked = a === undefined || a.state === 'active-acked' || a.state === 'normal';
    const retain = listed && (active || !acked);
    const shelf = listed ? undefined : a?.shelved;
    const message =
      a && listed
        ? a.message
        : a && shelf
          ? `shelved in HeatBridge until ${shelf.until}: ${a.message}`
          : 'left the alarm list (normal)';
    const severity = SEVERITY_OF_PRIORITY[a?.priority ?? 'low'];
    const said = JSON.stringify([active, acked, retain, message, severity]);
    if (said === node.said) return;
    node.said = said;
    const c = node.condition;
    if (active) c.activateAlarm();
    else c.deactivateAlarm(retain);
    c.currentBranch().setAckedState(acked);
    const time = a ? latestTime(a) : now;
    c.raiseNewCondition({
      message,
      severity,
      retain,
      time: new Date(Number.isFinite(time) ? time : now),
      receiveTime: new Date(now),
    });
  }
}

/**
 * Runs `sync` once per tick of `scheduler` however many `changes$` arrive in it (an alarm flood
 * is hundreds of transitions), and again on the next tick while it returns true (alarms still
 * waiting to be added). `failed` gets what `sync` throws; the subscription goes on.
 */
export function coalescedSync(
  changes$: Observable<unknown>,
  scheduler: SchedulerLike,
  sync: () => boolean,
  failed: (err: unknown) => void,
): Subscription {
  const again$ = new Subject<void>();
  return merge(changes$, again$)
    .pipe(auditTime(0, scheduler))
    .subscribe(() => {
      let more = false;
      try {
        more = sync();
      } catch (err) {
        failed(err);
      }
      if (more) again$.next();
    });
}
