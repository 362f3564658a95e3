import { ApiError } from '../api-error';
import { heatSignalQuery, heatSignalSchema, heatSignalView } from '../heat-signal-view';
import { get, resource } from '../route-spec';
import type { ApiDeps } from './shared';

/**
 * Signals for the data center's schedulers (issue 23): the heat signal, advice on when to run
 * deferrable IT work so its heat is used rather than dumped. HeatBridge never controls IT load;
 * a scheduler, a KEDA autoscaler (the same figures on /metrics) or a cron job
 * (`heatbridge signal --env`) decides.
 */
export const signalRoutes = resource('signals', (deps: ApiDeps) => {
  const tz = deps.site.site.timezone;
  return [
    get('/api/signals/heat', 'read', {
      summary: 'The heat signal: when IT heat is wanted, and the recommended flexible load',
      description:
        'Hour by hour from the current hour over heatSignal.horizonHours: the network’s acceptance, the site’s IT heat, what the heat pumps deliver and what goes to the dry coolers, the value of heat, and the signal: how much more (+) or less (−) flexible IT load to run, in kW (`signalKw`, `recommendedFlexKw`) and normalised to −1…1 (`signal`). The recommendation keeps each day’s deferrable energy (done by heatSignal.flexible.deadlineHour), stays within the flexible bounds and ramp, and never recommends more IT heat than the dry coolers take with the heat pumps off. `status: neutral` (signal 0, the baseline) when the outdoor forecast is missing or stale or no IT power is known yet, with `reason`. Advice only: HeatBridge never controls IT load. 404 when the site has no heatSignal section.',
      query: heatSignalQuery,
      response: heatSignalSchema,
      errors: {
        404: 'The site has no heatSignal section: HeatBridge computes no heat signal here',
      },
      handle: ({ query }) => {
        if (!deps.heatSignal)
          throw new ApiError(
            404,
            'not_found',
            'no heat signal: this site has no heatSignal section (see docs/heat-led-compute.md)',
          );
        const hours = query.hours === undefined ? undefined : Number(query.hours);
        return heatSignalView(deps.heatSignal.current(), tz, hours);
      },
    }),
  ];
});
