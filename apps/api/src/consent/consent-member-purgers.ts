import { Injectable, type OnModuleInit } from '@nestjs/common';

import { MemberDataPurgers } from '../members/member-data-purger';
import { IndividualConnectionRepository } from './individual-connection.repository';
import { OrgwideSettingsRepository } from './orgwide-settings.repository';

/** A member removed from Rox takes their override and individual connections with them. */
@Injectable()
export class ConsentMemberPurgers implements OnModuleInit {
  constructor(
    private readonly purgers: MemberDataPurgers,
    private readonly settings: OrgwideSettingsRepository,
    private readonly individual: IndividualConnectionRepository,
  ) {}

  onModuleInit(): void {
    this.purgers.register({
      name: 'member_override',
      purge: (orgId, roxUserId) => this.settings.purgeMemberOverride(orgId, roxUserId),
    });
    this.purgers.register({
      name: 'individual_connection',
      purge: (orgId, roxUserId) => this.individual.purgeMember(orgId, roxUserId),
    });
  }
}
