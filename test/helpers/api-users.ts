import type { Role } from '../../src/config/api';

/** The API users the integration tests sign in as, one per role, and their bearer tokens. */
export const TOKENS = {
  viewer: 'vera-token-0123456789',
  operator: 'olli-token-0123456789',
  engineer: 'erik-token-0123456789',
} as const;

/** Who calls: a role's user, or nobody (no token). */
export type Who = 'none' | keyof typeof TOKENS;

/** `startDemoStack`'s users: vera (viewer), olli (operator) and erik (engineer). */
export const USERS: Record<string, { role: Role; token: string }> = {
  vera: { role: 'viewer', token: TOKENS.viewer },
  olli: { role: 'operator', token: TOKENS.operator },
  erik: { role: 'engineer', token: TOKENS.engineer },
};

/** The Authorization header for `who`, none for nobody. */
export const authorization = (who: Who): Record<string, string> =>
  who === 'none' ? {} : { Authorization: `Bearer ${TOKENS[who]}` };
