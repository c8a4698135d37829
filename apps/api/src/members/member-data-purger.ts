import { Injectable } from '@nestjs/common';

/**
 * A feature that keeps data about individual members registers one of these, so that removing
 * a member from Rox also removes what was synced for them.
 */
export interface MemberDataPurger {
  /** Table-like name for the receipt, e.g. `calendar_event`. */
  readonly name: string;
  purge(orgId: string, roxUserId: string): Promise<number>;
}

/** Features register their purgers at module init; the purge job runs them all. */
@Injectable()
export class MemberDataPurgers {
  private readonly purgers: MemberDataPurger[] = [];

  register(purger: MemberDataPurger): void {
    this.purgers.push(purger);
  }

  all(): readonly MemberDataPurger[] {
    return this.purgers;
  }
}
