import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

import { type RoxRole } from '@rox365/contracts';

/** Who is calling, from a verified Rox platform token. Every query is scoped by `orgId`. */
export interface Caller {
  roxUserId: string;
  orgId: string;
  email: string | null;
  role: RoxRole;
}

export const CALLER_KEY = 'rox365Caller';

/** The verified caller of an authenticated route. */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const req = ctx.switchToHttp().getRequest<Record<string, unknown>>();
  const caller = req[CALLER_KEY] as Caller | undefined;
  // The guard runs first on every non-public route; reaching here without a caller is a bug.
  if (!caller) throw new Error('CurrentCaller used on a route without an authenticated caller');
  return caller;
});
