import { Injectable } from '@nestjs/common';

import { MembersService } from '../members/members.service';

/** Consent's view of Rox members, through the members feature's exported service. */
@Injectable()
export class MemberLookup {
  constructor(private readonly members: MembersService) {}

  async exists(orgId: string, roxUserId: string): Promise<boolean> {
    return (await this.members.find(orgId, roxUserId)) !== null;
  }

  /** A member's name and email, for screens that would otherwise show an id. */
  async person(
    orgId: string,
    roxUserId: string,
  ): Promise<{ displayName: string; email: string } | null> {
    const member = await this.members.find(orgId, roxUserId);
    return member ? { displayName: member.displayName, email: member.email } : null;
  }

  /** The member's Rox role (for audit entries written outside a request's caller). */
  async role(orgId: string, roxUserId: string): Promise<'admin' | 'member'> {
    const member = await this.members.find(orgId, roxUserId);
    return member?.role === 'admin' ? 'admin' : 'member';
  }

  /** Lower-cased emails of every member of the org. */
  async emails(orgId: string): Promise<Set<string>> {
    const members = await this.members.listAll(orgId);
    return new Set(members.map((m) => m.email.trim().toLowerCase()));
  }
}
