import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The stored member ↔ directory-user mapping: the one directory user each Rox member's email
 * matches (mail before UPN before proxy address, enabled before disabled, then the lowest id).
 * Maintained when a sync applies a page and when a member changes, so reads never recompute it.
 */
@Entity({ tableName: 'directory_member_map' })
@Index({ properties: ['orgId', 'directoryUserId'] })
export class DirectoryMemberMap {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'string', length: 128 })
  roxUserId: string;

  @Property({ type: 'string', length: 64 })
  directoryUserId: string;

  constructor(orgId: string, roxUserId: string, directoryUserId: string) {
    this.orgId = orgId;
    this.roxUserId = roxUserId;
    this.directoryUserId = directoryUserId;
  }
}
