import { Injectable } from '@nestjs/common';

import { ConnectionReader } from '../consent/connection-reader.service';
import { DirectoryRepository } from '../directory/directory.repository';
import { CoalescedLoads } from '../platform/concurrency/coalesced-loads';
import { type Mailbox } from './entities/mailbox.entity';
import {
  normalizeMailAddress,
  withBothDomainForms,
  type ParticipantRestrictions,
} from './participant-restrictions';

/** The org's restricted lists as mail and calendar apply them, for sync, cycles and writes. */
@Injectable()
export class RestrictionPolicy {
  private readonly shared = new CoalescedLoads<ParticipantRestrictions>();

  constructor(
    private readonly connections: ConnectionReader,
    private readonly directory: DirectoryRepository,
  ) {}

  /**
   * Restricted domains, and every address (Rox email, directory addresses) of restricted users,
   * internationalised domains in both spellings (withBothDomainForms).
   */
  async restrictions(orgId: string): Promise<ParticipantRestrictions> {
    const lists = await this.connections.restrictedLists(orgId);
    const addresses = new Set<string>();
    for (const email of lists.restrictedUsers) {
      const normalized = normalizeMailAddress(email);
      if (!normalized) continue;
      addresses.add(normalized);
      for (const user of await this.directory.usersByAddress(orgId, normalized)) {
        for (const a of user.addresses) {
          const address = normalizeMailAddress(a);
          if (address) addresses.add(address);
        }
      }
    }
    return withBothDomainForms({
      domains: lists.restrictedDomains.map((d) => d.toLowerCase()),
      addresses,
    });
  }

  /**
   * `restrictions` for status reads outside any transaction: callers that ask while the org's
   * lists are being read share the next read (each answer is still read after its caller asked).
   * Every status request read the settings and their overrides again; under load that was most
   * of their queries.
   */
  sharedRestrictions(orgId: string): Promise<ParticipantRestrictions> {
    return this.shared.load(orgId, () => this.restrictions(orgId));
  }

  /** True when the mailbox belongs to a restricted user (by Rox email or directory address). */
  isRestrictedMailbox(mailbox: Mailbox, rules: ParticipantRestrictions): boolean {
    return [mailbox.email, mailbox.directoryUpn].some((a) => {
      const normalized = normalizeMailAddress(a);
      return normalized !== null && rules.addresses.has(normalized);
    });
  }
}
