import { SetMetadata } from '@nestjs/common';

import { type RoxRole } from '@rox365/contracts';

import { type OperatorTokenName } from './operator-token';

export const ACCESS_METADATA = 'rox365:access';

export type AccessRule =
  | { kind: 'public'; reason: string }
  | { kind: 'roles'; roles: RoxRole[] }
  | { kind: 'operator'; token: OperatorTokenName };

/** The roles that may call this route. Routes without a declaration are denied. */
export const Roles = (...roles: [RoxRole, ...RoxRole[]]) =>
  SetMetadata(ACCESS_METADATA, { kind: 'roles', roles } satisfies AccessRule);

/** Opens a route to anyone; the reason is kept with the route so reviews can see why. */
export const Public = (reason: string) =>
  SetMetadata(ACCESS_METADATA, { kind: 'public', reason } satisfies AccessRule);

/** For operators' tooling only: the request must carry that operator token (see operator-token.ts). */
export const OperatorOnly = (token: OperatorTokenName) =>
  SetMetadata(ACCESS_METADATA, { kind: 'operator', token } satisfies AccessRule);
