import type { z } from 'zod';
import { ApiError } from '../api-error';
import { changed, get, put, resource } from '../route-spec';
import * as S from '../schemas';
import { actorOf, controlOf, type ApiDeps } from './shared';

/** Each device's mode: auto (the controllers) or manual (the operators). */
export const modeRoutes = resource('control', (deps: ApiDeps) => {
  const { site, now } = deps;
  return [
    get('/api/modes', 'read', {
      summary: 'Each device’s mode: auto (controllers) or manual (operators)',
      response: S.modeSchema.array(),
      handle: () =>
        Object.keys(site.devices).map((device) => ({
          device,
          mode: deps.control?.operator.mode(device) ?? 'auto',
        })),
    }),
    put('/api/modes/:device', 'operator', {
      summary: 'Put a device in auto or manual mode',
      description:
        'In manual mode the controllers leave the device to the operators; cooling safety still acts.',
      params: S.modeParams,
      body: S.modeBody,
      response: S.modeSchema,
      audit: { action: 'mode-changed', target: (p) => p.device ?? '' },
      handle: ({ params, body, principal }) => {
        const device = params.device!;
        if (!site.devices[device]) throw new ApiError(404, 'not_found', `no device ${device}`);
        const b = body as z.infer<typeof S.modeBody>;
        const ops = controlOf(deps).operator;
        const from = ops.mode(device);
        ops.setMode(device, b.mode, actorOf(principal), b.reason, now());
        return changed(
          { device, mode: b.mode },
          {
            old: from,
            new: b.mode,
            reason: b.reason,
            result: from === b.mode ? 'ok (unchanged)' : 'ok',
          },
        );
      },
    }),
  ];
});
