/**
 * Parameters of the simulated plant (DESIGN §4). The defaults describe the demo site: a 2 MW data
 * hall, two 1.2 MW heat pumps, dry coolers and a district-heating connection in a Nordic climate.
 */
export interface HeatPumpParams {
  nominalHeatKw: number;
  /** Second-law efficiency: COP = eta · T_cond / (T_cond − T_evap), in kelvin. */
  eta: number;
  /** Refrigerant-to-water temperature difference on each side, K. */
  approachK: number;
  /** Minimum load when running, 0..1. */
  minLoad: number;
  /** Load ramp limit, % of full load per minute. */
  rampPctPerMin: number;
  minRunS: number;
  minOffS: number;
  /** Time to ramp from 0 to minimum load after a start. */
  startS: number;
  /** Time to unload from full load to 0 when stopping (less from part load). */
  stopS: number;
  /** Trips above this condenser outlet temperature, °C. */
  tripTempC: number;
  /**
   * High-pressure unloading, as real units do: within this many kelvin of the trip temperature
   * the unit cuts its own load (to minimum load) at `unloadPctPerS`, whatever it is told.
   */
  unloadBelowTripK: number;
  unloadPctPerS: number;
  /** Trip after this long with evaporator flow below 10 % of its share of design flow. */
  lowFlowTripS: number;
  /** Lowest evaporator water outlet temperature the unit allows, °C. */
  minEvapOutC: number;
}

export interface PlantParams {
  /** Fixed offset of the plant's local time from UTC, for daily profiles (no DST in the model). */
  utcOffsetHours: number;
  hall: {
    itNominalKw: number;
    /** Diurnal swing, ± share of nominal. */
    diurnalAmplitude: number;
    /** Local hour of the daily peak. */
    peakHour: number;
    /** Standard deviation of the slow random load variation, share of nominal. */
    noiseShare: number;
    noiseTimeConstantS: number;
    /** Share of the IT heat carried by the liquid (CDU) loop; the rest goes to the air loop. */
    liquidShare: number;
    cduSupplySetpointC: number;
    cduApproachK: number;
    cduSecondaryFlowKgS: number;
    airSupplySetpointC: number;
    airFlowKgS: number;
    /** UPS, distribution and lighting losses, share of IT power (facility, not IT, energy). */
    electricalLossShare: number;
    pumpsKw: number;
  };
  loop: {
    /** Facility-water flow between the hall's CDUs and the heat-recovery plant. */
    flowKgS: number;
    hotVolumeM3: number;
    coldVolumeM3: number;
  };
  valve: { speedPctPerS: number };
  dryCooler: {
    /** Heat transfer of the whole dry-cooler bank at full fan speed, kW/K. */
    uaKwPerK: number;
    fanMaxKw: number;
    /** Dry-cooler setpoint the PLC uses in its safe state, °C. */
    safeSetpointC: number;
  };
  heatPumps: HeatPumpParams[];
  condenser: {
    /** Water in the heat pumps' condensers and the header to the substation, m³. */
    volumeM3: number;
    /** Time constant of the header cooling down when nothing flows, s. */
    standbyLossTimeConstantS: number;
    /**
     * The substation's 3-way valve delivers nothing below (setpoint − band) and everything at the
     * setpoint: a starting heat pump first heats its own loop, as real ones recirculate.
     */
    deliveryBandK: number;
  };
  district: {
    /** The built-in demand curve's bounds: heat the network takes at its requested temperature. */
    maxAcceptanceKw: number;
    minAcceptanceKw: number;
    /**
     * Supply-line feed-in: the substation's valve closes (and the utility reports no acceptance)
     * while our supply is more than this many kelvin below the requested temperature.
     */
    supplyToleranceK: number;
    /** Return-line feed-in (connection mode 2): what the contract lets us do to the return. */
    returnLine: {
      /** Highest rise of the return temperature, K. */
      maxRiseK: number;
      /** Highest temperature the return may be raised to, °C. */
      maxC: number;
      /** Share of the network's return flow at the connection routed through our condensers. */
      flowShare: number;
    };
  };
  watchdog: { timeoutS: number };
  /** Starting values of the energy counters, kWh (set near 2^32 to exercise a wrap). */
  counterStartKwh: number;
}

const heatPump: HeatPumpParams = {
  nominalHeatKw: 1200,
  eta: 0.5,
  approachK: 2,
  minLoad: 0.25,
  rampPctPerMin: 10,
  minRunS: 600,
  minOffS: 300,
  startS: 60,
  stopS: 30,
  tripTempC: 90,
  unloadBelowTripK: 3,
  unloadPctPerS: 5,
  lowFlowTripS: 30,
  minEvapOutC: 8,
};

export const DEMO_PARAMS: PlantParams = {
  utcOffsetHours: 2,
  hall: {
    itNominalKw: 2000,
    diurnalAmplitude: 0.15,
    peakHour: 15,
    noiseShare: 0.01,
    noiseTimeConstantS: 600,
    liquidShare: 0.7,
    cduSupplySetpointC: 40,
    cduApproachK: 2,
    cduSecondaryFlowKgS: 33.5,
    airSupplySetpointC: 22,
    airFlowKgS: 60,
    electricalLossShare: 0.05,
    pumpsKw: 20,
  },
  loop: { flowKgS: 40, hotVolumeM3: 12, coldVolumeM3: 12 },
  valve: { speedPctPerS: 100 / 60 },
  dryCooler: { uaKwPerK: 150, fanMaxKw: 45, safeSetpointC: 30 },
  heatPumps: [heatPump, { ...heatPump }],
  condenser: { volumeM3: 3, standbyLossTimeConstantS: 1800, deliveryBandK: 5 },
  district: {
    maxAcceptanceKw: 3000,
    minAcceptanceKw: 400,
    supplyToleranceK: 2,
    returnLine: { maxRiseK: 15, maxC: 70, flowShare: 1 },
  },
  watchdog: { timeoutS: 15 },
  counterStartKwh: 0,
};
