import {
  builtInNetwork,
  CONNECTION_MODES,
  connectionAcceptance,
  connectionModeOf,
  localHour,
  networkFlowKgS,
} from './district';
import { compressorOn, sequence, thermodynamics } from './heat-pump';
import type { PlantParams } from './params';
import { approach, clamp, CP_AIR, CP_WATER, waterCapacity } from './physics';
import { nextGaussian } from './random';
import type { PlantInputs, PlantState } from './state';

/** Longest step the integration takes; longer steps are split (time constants are minutes). */
export const MAX_STEP_S = 5;

/**
 * Advances the plant by `dtS` seconds. Pure: the same state, inputs and dt always give the same
 * result (randomness comes from the seed carried in the state). Energy is conserved by
 * construction: every heat flow leaves one node and enters another in the same step, so
 * IT heat = recovered + rejected + the change of stored heat, exactly (see the energy fields).
 */
export function step(
  state: PlantState,
  inputs: PlantInputs,
  dtS: number,
  p: PlantParams,
): PlantState {
  let s = state;
  let remaining = dtS;
  while (remaining > 1e-9) {
    const h = Math.min(remaining, MAX_STEP_S);
    s = stepOnce(s, inputs, h, p);
    remaining -= h;
    // Pulses and trip requests act once, in the first sub-step.
    inputs = consumePulses(inputs);
  }
  return s;
}

function consumePulses(inputs: PlantInputs): PlantInputs {
  if (
    !inputs.commands.watchdogReset &&
    inputs.faults.tripHeatPumps.length === 0 &&
    !inputs.commands.heatPumps.some((c) => c.tripReset)
  ) {
    return inputs;
  }
  return {
    ...inputs,
    commands: {
      ...inputs.commands,
      watchdogReset: false,
      heatPumps: inputs.commands.heatPumps.map((c) => ({ ...c, tripReset: false })),
    },
    faults: { ...inputs.faults, tripHeatPumps: [] },
  };
}

function stepOnce(prev: PlantState, inputs: PlantInputs, dtS: number, p: PlantParams): PlantState {
  const t = prev.t + dtS * 1000;
  const hour = localHour(t, p.utcOffsetHours);
  const { commands: cmd, faults } = inputs;
  const outdoorC = inputs.outdoorTempC;

  // ── Data hall: IT load with a diurnal profile and a slow random variation ──
  const theta = 1 / p.hall.noiseTimeConstantS;
  const g = nextGaussian(prev.seed);
  const loadNoise =
    prev.loadNoise -
    theta * prev.loadNoise * dtS +
    p.hall.noiseShare * Math.sqrt(2 * theta * dtS) * g.value;
  const expectedKw = expectedItKw(t, p);
  // The flexible work runs at what it is given in place of its share of the expected load; the
  // random variation stays with the rest, so both runs of a comparison see the same noise.
  const flex = inputs.flexibleIt;
  const itKw = expectedKw * (1 + loadNoise) + (flex ? flex.kw - flex.share * expectedKw : 0);
  const liquidKw = itKw * p.hall.liquidShare;
  const airKw = itKw - liquidKw;
  // Air loop: free cooling below 12 °C outdoors, chiller trim above (its electricity only).
  const airCoolingKw = airKw * (outdoorC < 12 ? 0.03 : 0.03 + 0.012 * (outdoorC - 12));

  // ── PLC watchdog ──
  const wd = { ...prev.watchdog };
  if (cmd.heartbeat !== wd.lastHeartbeat) {
    wd.lastHeartbeat = cmd.heartbeat;
    wd.lastChangeAt = t;
  }
  const heartbeatOk = t - wd.lastChangeAt <= p.watchdog.timeoutS * 1000;
  if (!heartbeatOk && !wd.safeState) {
    wd.safeState = true;
    wd.trips += 1;
  } else if (wd.safeState && heartbeatOk && cmd.watchdogReset) {
    wd.safeState = false;
  }
  const safe = wd.safeState;

  // ── Diverter valve and dry-cooler setpoint (the PLC overrides them in its safe state) ──
  const valveTarget = safe ? 0 : clamp(cmd.valveSetpointPct, 0, 100);
  const valvePct = approach(prev.valvePct, valveTarget, p.valve.speedPctPerS * dtS);
  const dcSetpointC = safe ? p.dryCooler.safeSetpointC : cmd.drycoolerSetpointC;

  // ── District network: a measured series' hour, else the built-in curves ──
  const network = inputs.network ?? builtInNetwork(outdoorC, hour, p.district);
  const retC = network.returnC;
  const reqC = network.supplyC;
  const mode = connectionModeOf(cmd.connectionMode);

  // ── Heat pumps: sequencing, then heat from the evaporator branch ──
  const sequenced = prev.heatPumps.map((hp, i) =>
    sequence(
      hp,
      p.heatPumps[i]!,
      {
        enable: cmd.heatPumps[i]?.enable ?? false,
        loadSetpointPct: cmd.heatPumps[i]?.loadSetpointPct ?? 0,
        tripReset: cmd.heatPumps[i]?.tripReset ?? false,
      },
      {
        t,
        dtS,
        safeState: safe,
        condenserC: prev.condenserC,
        tripNow: faults.tripHeatPumps.includes(i) ? 'trip injected' : null,
      },
    ),
  );
  const loopFlow = p.loop.flowKgS;
  const hpFlow = loopFlow * (valvePct / 100);
  const dcFlow = loopFlow - hpFlow;
  const active = sequenced.filter((hp) => compressorOn(hp.mode) && hp.load > 0).length;
  const running = sequenced.map((hp, i) => ({ hp, i })).filter(({ hp }) => compressorOn(hp.mode));
  // Our supply temperature: the running units' setpoints, else what all are set to deliver.
  const setpoints = (
    running.length > 0 ? running.map(({ i }) => i) : cmd.heatPumps.map((_, i) => i)
  ).map((i) => cmd.heatPumps[i]?.condenserSetpointC ?? 70);
  const sinkTargetC =
    setpoints.length > 0 ? setpoints.reduce((sum, c) => sum + c, 0) / setpoints.length : reqC;
  const acceptance = faults.networkRefusesHeat
    ? { acceptanceKw: 0, returnAcceptanceKw: 0, refused: true }
    : connectionAcceptance(mode, sinkTargetC, network, p.district);
  const accKw = acceptance.acceptanceKw;
  const heatPumps = sequenced.map((hp, i) => {
    const hpParams = p.heatPumps[i]!;
    const flow = compressorOn(hp.mode) && hp.load > 0 && active > 0 ? hpFlow / active : 0;
    const th = thermodynamics(hpParams, hp.load, prev.hotC, flow, prev.condenserC, sinkTargetC);
    // Low evaporator flow while the compressor runs trips the unit (freeze protection).
    const designShare = loopFlow / p.heatPumps.length;
    let lowFlowSince = hp.lowFlowSince;
    if (compressorOn(hp.mode) && hp.load > 0 && flow < 0.1 * designShare) lowFlowSince ??= t;
    else lowFlowSince = null;
    const next = { ...hp, ...th, lowFlowSince };
    if (lowFlowSince !== null && t - lowFlowSince >= hpParams.lowFlowTripS * 1000) {
      return {
        ...next,
        mode: 'tripped' as const,
        load: 0,
        tripReason: 'low evaporator flow',
        overheatTrip: false,
        lastStopAt: t,
        lowFlowSince: null,
        heatKw: 0,
        electricKw: 0,
        evapKw: 0,
        evapOutC: prev.hotC,
        cop: 0,
      };
    }
    return next;
  });
  const evapKw = heatPumps.reduce((sum, hp) => sum + hp.evapKw, 0);
  const heatKw = heatPumps.reduce((sum, hp) => sum + hp.heatKw, 0);
  const hpOutC = hpFlow > 0 ? prev.hotC - evapKw / (hpFlow * CP_WATER) : prev.hotC;

  // ── Dry coolers: bring the mixed water to the hall down to their setpoint if they can ──
  const ua = p.dryCooler.uaKwPerK * (faults.drycoolerFault ? 0.5 : 1);
  let dcOutC = prev.hotC;
  let drycoolerKw = 0;
  let drycoolerFanKw = 0;
  if (dcFlow > 1e-6) {
    const effectiveness = 1 - Math.exp(-ua / (dcFlow * CP_WATER));
    const coldestC = prev.hotC - effectiveness * Math.max(prev.hotC - outdoorC, 0);
    const wantedC = (dcSetpointC * loopFlow - hpFlow * hpOutC) / dcFlow;
    dcOutC = clamp(wantedC, coldestC, prev.hotC);
    drycoolerKw = dcFlow * CP_WATER * (prev.hotC - dcOutC);
    const maxKw = dcFlow * CP_WATER * (prev.hotC - coldestC);
    drycoolerFanKw = maxKw > 1e-6 ? p.dryCooler.fanMaxKw * Math.pow(drycoolerKw / maxKw, 3) : 0;
  }
  const plantOutC = (hpFlow * hpOutC + dcFlow * dcOutC) / loopFlow;

  // ── Facility-water loop: two mixed nodes (hall side warm, plant side cooled) ──
  const cHot = waterCapacity(p.loop.hotVolumeM3);
  const cCold = waterCapacity(p.loop.coldVolumeM3);
  const hotC =
    prev.hotC + ((loopFlow * CP_WATER * (prev.coldC - prev.hotC) + liquidKw) / cHot) * dtS;
  const coldC = prev.coldC + ((loopFlow * CP_WATER * (plantOutC - prev.coldC)) / cCold) * dtS;

  // ── Condenser header and the substation's flow control toward the supply setpoint ──
  const cCond = waterCapacity(p.condenser.volumeM3);
  const liftK = Math.max(sinkTargetC - retC, 1);
  // Delivery starts as the header approaches the setpoint (recirculation below it); into the
  // supply line without top-up, the substation's valve also closes while the header is colder
  // than the request's tolerance (over 1 K, so the flow does not chatter).
  const band = p.condenser.deliveryBandK;
  const valveOpen =
    mode === 'supply' ? clamp(prev.condenserC - (reqC - p.district.supplyToleranceK - 1), 0, 1) : 1;
  const delivering = valveOpen * clamp((prev.condenserC - (sinkTargetC - band)) / band, 0, 1);
  const wantedFlow = (delivering * heatKw) / (CP_WATER * liftK);
  // The network's own flow bounds ours: all of it into the supply line, its share of the return
  // line, where the utility also holds the return's rise to the contract (at our actual outlet).
  const maxFlow =
    mode === 'return'
      ? Math.min(
          accKw / (CP_WATER * Math.max(prev.condenserC - retC, 1)),
          networkFlowKgS(network) * p.district.returnLine.flowShare,
        )
      : Math.min(accKw / (CP_WATER * liftK), networkFlowKgS(network));
  const districtFlowKgS = Math.min(wantedFlow, maxFlow);
  const deliveredKw = districtFlowKgS * CP_WATER * Math.max(prev.condenserC - retC, 0);
  const standbyKw =
    districtFlowKgS > 0
      ? 0
      : (cCond * (prev.condenserC - retC)) / p.condenser.standbyLossTimeConstantS;
  const condenserC = clamp(
    prev.condenserC + ((heatKw - deliveredKw - standbyKw) / cCond) * dtS,
    0,
    150,
  );

  // ── Electricity and energy counters ──
  const hpElectricKw = heatPumps.reduce((sum, hp) => sum + hp.electricKw, 0);
  const facilityKw =
    itKw * (1 + p.hall.electricalLossShare) +
    p.hall.pumpsKw +
    airCoolingKw +
    drycoolerFanKw +
    hpElectricKw;
  const kwh = dtS / 3600;
  return {
    t,
    seed: g.seed,
    outdoorTempC: outdoorC,
    loadNoise,
    itKw,
    facilityKw,
    liquidKw,
    airKw,
    airCoolingKw,
    hotC,
    coldC,
    plantOutC,
    valvePct,
    drycoolerKw,
    drycoolerFanKw,
    drycoolerFault: faults.drycoolerFault,
    heatPumps: heatPumps.map((hp) => ({
      ...hp,
      heatKwh: hp.heatKwh + hp.heatKw * kwh,
      electricKwh: hp.electricKwh + hp.electricKw * kwh,
    })),
    condenserC,
    districtFlowKgS,
    deliveredKw,
    networkReturnC: retC,
    requestedSupplyC: reqC,
    acceptanceKw: accKw,
    returnAcceptanceKw: acceptance.returnAcceptanceKw,
    connectionMode: CONNECTION_MODES.indexOf(mode),
    watchdog: wd,
    counters: {
      itKwh: prev.counters.itKwh + itKw * kwh,
      facilityKwh: prev.counters.facilityKwh + facilityKw * kwh,
      drycoolerElectricKwh: prev.counters.drycoolerElectricKwh + drycoolerFanKw * kwh,
      deliveredKwh: prev.counters.deliveredKwh + deliveredKw * kwh,
    },
    energy: {
      itHeatKwh: prev.energy.itHeatKwh + itKw * kwh,
      recoveredKwh: prev.energy.recoveredKwh + evapKw * kwh,
      rejectedLiquidKwh: prev.energy.rejectedLiquidKwh + drycoolerKw * kwh,
      rejectedAirKwh: prev.energy.rejectedAirKwh + airKw * kwh,
    },
  };
}

/** The hall's expected IT load at `t` (its diurnal profile, without the random variation), kW. */
export function expectedItKw(t: number, p: PlantParams): number {
  const hour = localHour(t, p.utcOffsetHours);
  return (
    p.hall.itNominalKw *
    (1 + p.hall.diurnalAmplitude * Math.sin((2 * Math.PI * (hour - p.hall.peakHour + 6)) / 24))
  );
}

/**
 * The mean of `expectedItKw` over [from, to) (the sine's integral): the flexible work's share of
 * it is what that work does in the hour when nobody moves it.
 */
export function meanExpectedItKw(from: number, to: number, p: PlantParams): number {
  const w = (2 * Math.PI) / 24;
  const h0 = (from / 3_600_000 + p.utcOffsetHours - p.hall.peakHour + 6) * w;
  const h1 = h0 + ((to - from) / 3_600_000) * w;
  const mean = (Math.cos(h0) - Math.cos(h1)) / (h1 - h0);
  return p.hall.itNominalKw * (1 + p.hall.diurnalAmplitude * mean);
}

/** Heat stored in the facility-water loop above 0 °C, kWh: the balance's storage term. */
export function storedLoopHeatKwh(s: PlantState, p: PlantParams): number {
  return (
    (waterCapacity(p.loop.hotVolumeM3) * s.hotC + waterCapacity(p.loop.coldVolumeM3) * s.coldC) /
    3600
  );
}

/** CRAH air temperatures: the air loop holds its supply setpoint; return carries the air heat. */
export function airTemperatures(
  s: PlantState,
  p: PlantParams,
): { supplyC: number; returnC: number } {
  const supplyC = p.hall.airSupplySetpointC;
  return { supplyC, returnC: supplyC + s.airKw / (p.hall.airFlowKgS * CP_AIR) };
}

/** CDU secondary temperatures: the CDU holds its setpoint while the facility water is cold enough. */
export function cduTemperatures(
  s: PlantState,
  p: PlantParams,
): { supplyC: number; returnC: number } {
  const supplyC = Math.max(p.hall.cduSupplySetpointC, s.coldC + p.hall.cduApproachK);
  return { supplyC, returnC: supplyC + s.liquidKw / (p.hall.cduSecondaryFlowKgS * CP_WATER) };
}
