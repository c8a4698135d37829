import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { MemberOverride } from './entities/member-override.entity';
import { OrgwideSettings } from './entities/orgwide-settings.entity';

/** Every query on org-wide settings and member overrides; each is scoped by org. */
@Injectable()
export class OrgwideSettingsRepository {
  constructor(private readonly em: EntityManager) {}

  find(orgId: string): Promise<OrgwideSettings | null> {
    return this.em.findOne(OrgwideSettings, { orgId });
  }

  overrides(orgId: string): Promise<MemberOverride[]> {
    return this.em.find(MemberOverride, { orgId }, { orderBy: { roxUserId: 'asc' } });
  }

  findOverride(orgId: string, roxUserId: string): Promise<MemberOverride | null> {
    return this.em.findOne(MemberOverride, { orgId, roxUserId });
  }

  async save(entity: OrgwideSettings | MemberOverride): Promise<void> {
    await this.em.persistAndFlush(entity);
  }

  purgeMemberOverride(orgId: string, roxUserId: string): Promise<number> {
    return this.em.nativeDelete(MemberOverride, { orgId, roxUserId });
  }

  async removeOverride(override: MemberOverride): Promise<void> {
    await this.em.removeAndFlush(override);
  }
}
