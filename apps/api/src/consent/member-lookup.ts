import { Injectable } from '@nestjs/common';

import { MembersService } from '../members/members.service';

// Page size of the members list (its maximum).
const MEMBERS_PAGE = 200;

/** Consent's view of Rox members, through the members feature's exported service. */
@Injectable()
export class MemberLookup {
  constructor(private readonly members: MembersService) {}

  async exists(orgId: string, roxUserId: string): Promise<boolean> {
    return (await this.members.find(orgId, roxUserId)) !== null;
  }

  /** Lower-cased emails of every member of the org. */
  async emails(orgId: string): Promise<Set<string>> {
    const emails = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.members.list(orgId, { limit: MEMBERS_PAGE, cursor });
      for (const m of page.items) emails.add(m.email.trim().toLowerCase());
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return emails;
  }
}
