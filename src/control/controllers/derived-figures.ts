import type { z } from 'zod';
import type { derivedSchema } from '../../config/controllers';
import type { PointId } from '../../domain/point-id';

export type DerivedConfig = z.output<typeof derivedSchema>;

/**
 * The figures a derived controller's config can compute, each with the site points it is
 * computed from. A figure whose inputs the config does not name is not a point of the site at
 * all (no `pue` without `facilityPower`, no `lift` without every heat pump's outlet
 * temperatures): listing it would show a point that is bad forever. The inputs are also what
 * the KPIs judge a figure's quality and age by.
 */
export function derivedInputs(cfg: DerivedConfig): Map<string, PointId[]> {
  const hps = cfg.heatPumps.flatMap((hp) => [hp.heatOutput, hp.electricPower]);
  const figures = new Map<string, PointId[]>();
  for (const name of [
    'recovered_heat',
    'recovered_energy',
    'hp_electric_power',
    'hp_electric_energy',
    'cop',
    'cop_running',
  ])
    figures.set(name, hps);
  if (cfg.deliveredHeat) {
    figures.set('delivered_heat', [cfg.deliveredHeat]);
    figures.set('delivered_energy', [cfg.deliveredHeat]);
  }
  if (cfg.sources.length > 0)
    figures.set(
      'recoverable_heat',
      cfg.sources.flatMap((s) => [s.flow, s.supplyTemp, s.returnTemp]),
    );
  if (cfg.facilityPower) {
    figures.set('facility_energy', [cfg.facilityPower]);
    figures.set('erf', [...hps, cfg.facilityPower]);
    figures.set('pue', [cfg.facilityPower, cfg.itPower]);
  }
  if (cfg.heatPumps.every((hp) => hp.condenserOut && hp.evaporatorOut))
    figures.set(
      'lift',
      cfg.heatPumps.flatMap((hp) => [hp.heatOutput, hp.condenserOut!, hp.evaporatorOut!]),
    );
  if (cfg.dryCoolerHeat) figures.set('drycooler_share', [cfg.dryCoolerHeat, ...hps]);
  return figures;
}

/** The derived controllers among a site's controllers. */
export function derivedConfigs(controllers: readonly { type: string }[]): DerivedConfig[] {
  return controllers.filter((c): c is DerivedConfig => c.type === 'derived');
}
