import { Injectable } from '@nestjs/common';

/**
 * A feature that keeps data synced for an org registers one of these; disconnecting the org
 * runs every purger and lists its count on the receipt.
 */
export interface OrgDataPurger {
  /** Table-like name for the receipt, e.g. `directory_user`. */
  readonly name: string;
  /** Deletes every row the feature holds for the org; returns how many went. */
  purge(orgId: string): Promise<number>;
}

/**
 * Stops a feature's queued, delayed and repeating jobs for an org, before its data is purged,
 * so no job writes the data back afterwards.
 */
export interface OrgJobStopper {
  readonly name: string;
  /** Returns how many jobs were removed. */
  stop(orgId: string): Promise<number>;
}

/** Registry of per-org purgers and job stoppers; features register at module init. */
@Injectable()
export class OrgDataPurgers {
  private readonly purgers: OrgDataPurger[] = [];
  private readonly stoppers: OrgJobStopper[] = [];

  register(purger: OrgDataPurger): void {
    if (this.purgers.some((p) => p.name === purger.name)) return;
    this.purgers.push(purger);
  }

  registerJobStopper(stopper: OrgJobStopper): void {
    if (this.stoppers.some((s) => s.name === stopper.name)) return;
    this.stoppers.push(stopper);
  }

  all(): readonly OrgDataPurger[] {
    return this.purgers;
  }

  jobStoppers(): readonly OrgJobStopper[] {
    return this.stoppers;
  }
}
