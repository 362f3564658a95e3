import { Observable, type ObservableInput } from 'rxjs';
import type { DeviceConfig } from '../config';
import type { PointId } from '../domain/point-id';
import type { Sample, SampleValue } from '../domain/sample';
import type { Component } from '../runtime/component';
import { Broadcast } from '../util/broadcast';

/**
 * What every field adapter offers the core (DESIGN §1): a stream of samples and a way to execute
 * a write the write guard has already allowed. Adapters never call control, the historian or the
 * API.
 */
export interface DeviceAdapter {
  readonly name: string;
  readonly samples$: Observable<Sample>;
  /**
   * The same samples as they were read together (a Modbus reply, an OPC UA notification), one
   * emission per batch: what the historian and the latest-value map take, so the per-sample
   * stream's cost is paid only by those that need one value at a time (issue 25).
   */
  readonly batches$?: Observable<readonly Sample[]>;
  /** Does this adapter carry the point? */
  owns(id: PointId): boolean;
  /**
   * Sends a guarded write; settles when the device has answered, and fails with a clear reason
   * when it refused or is unreachable. The protocol adapters return a promise; the in-process
   * adapters of `heatbridge simulate` an Observable that settles in virtual time.
   */
  write(id: PointId, value: SampleValue): ObservableInput<void>;
  /**
   * Why the device cannot hold `value` at `id` — its data type, or its register's type, scale or
   * range — or undefined when it can, or when that is not known (yet: OPC UA learns a node's
   * DataType at connect). Synchronous and without I/O: the API asks before it accepts an
   * operator's value, so the operator gets a 400 saying why instead of a write that fails at the
   * device later, seen only in the log. The text starts with the value and leaves the point to
   * the caller: `2.55 cannot be held exactly by a uint16 register with scale 0.1 (nearest 2.5 or
   * 2.6)`.
   */
  checkValue?(id: PointId, value: SampleValue): string | undefined;
}

/**
 * What the device that carries `id` says about holding `value` (DeviceAdapter.checkValue), from
 * the adapter that owns the point; undefined when it can, or when nobody can tell.
 */
export function deviceValueCheck(
  adapters: readonly DeviceAdapter[],
): (id: PointId, value: SampleValue) => string | undefined {
  return (id, value) => adapters.find((a) => a.owns(id))?.checkValue?.(id, value);
}

/** A device's `protocol` in the site file: the key of the adapter registry (./registry.ts). */
export type Protocol = DeviceConfig['protocol'];

/** The labels every per-adapter metric carries: stable names, never addresses. */
export interface AdapterLabels {
  readonly protocol: Protocol;
  /**
   * The connection's name from the site file: the first enabled device (in the site file's order)
   * of those the adapter serves, e.g. an OPC UA device's name.
   */
  readonly connection: string;
}

/** Where an adapter's connection goes (`heatbridge_adapter_info`, joined on the labels above). */
export interface AdapterIdentity extends AdapterLabels {
  /** `tcp`, `rtu-over-tcp`, `rtu` (Modbus) or `opc.tcp`. */
  transport: string;
  host?: string;
  port?: number;
  /** The OPC UA endpoint's path, or the serial line's device (`/dev/ttyUSB0`). */
  path?: string;
  /** The devices behind the connection, in the site file's order. */
  devices: string[];
}

/**
 * A field adapter as HeatBridge runs it: a component (start, stop, health details) that says
 * itself which protocol and connection it is, so nothing else re-derives that from the site file.
 */
export interface FieldAdapter extends Component, DeviceAdapter, AdapterLabels {
  identity(): AdapterIdentity;
}

/** A protocol's adapter (it says its identity), not an in-process one like simulate's plant. */
export function isFieldAdapter<A extends DeviceAdapter>(a: A): a is A & FieldAdapter {
  return typeof (a as Partial<FieldAdapter>).identity === 'function';
}

/**
 * What every protocol's adapter has alike: the names it goes by, and its stream of samples, which
 * ends when the adapter stops.
 */
export abstract class AdapterBase implements AdapterLabels {
  // Not a Subject: every sample of the site passes here (see Broadcast).
  private readonly batches = new Broadcast<readonly Sample[]>();
  readonly batches$: Observable<readonly Sample[]> = this.batches.observable;
  /** One sample at a time, in the batches' order. */
  readonly samples$: Observable<Sample> = new Observable<Sample>((subscriber) =>
    this.batches.observable.subscribe({
      next: (batch) => {
        for (let i = 0; i < batch.length; i++) subscriber.next(batch[i]!);
      },
      complete: () => subscriber.complete(),
    }),
  );

  constructor(
    readonly protocol: Protocol,
    readonly connection: string,
    /** The component name, in /api/health and the logs (`modbus tcp:10.0.0.5:502`, `opcua hall1`). */
    readonly name: string,
  ) {}

  protected emit(sample: Sample): void {
    this.batches.next([sample]);
  }

  /** Samples read together, as one batch (not emitted when empty). */
  protected emitBatch(samples: readonly Sample[]): void {
    if (samples.length > 0) this.batches.next(samples);
  }

  /** The stream ends: the adapter has stopped. */
  protected endSamples(): void {
    this.batches.complete();
  }
}
