import type { Component, ComponentContext } from '../src/runtime/component';
import { SimHost, type SimHostOptions } from './host';

/** The simulators as a component of `heatbridge sim`, in this process. */
export class SimulatorsComponent implements Component {
  readonly name = 'simulators';
  readonly critical = true;
  host: SimHost | undefined;

  constructor(private readonly opts: Omit<SimHostOptions, 'log'>) {}

  async start(ctx: ComponentContext): Promise<void> {
    const host = new SimHost({ ...this.opts, log: ctx.log });
    await host.start();
    this.host = host;
  }

  async stop(): Promise<void> {
    await this.host?.stop();
    this.host = undefined;
  }

  /** Where the simulators listen: reported once to a parent process. */
  endpoints(): Record<string, unknown> {
    const h = this.host;
    if (!h) return {};
    return {
      adminPort: h.adminPortInUse,
      modbusPorts: h.modbus.map((m) => m.port),
      opcuaDevices: h.opcua.map((o) => o.device),
    };
  }

  details(): Record<string, unknown> {
    const h = this.host;
    if (!h) return {};
    return {
      simulatedTime: new Date(h.sim.now).toISOString(),
      adminPort: h.adminPortInUse,
      faults: h.sim.faults().length,
      safeState: h.sim.state.watchdog.safeState,
    };
  }
}
