import { Entity, PrimaryKey } from '@mikro-orm/core';

/**
 * The users a sync round saw, one narrow row each: a full round deletes the users with no row
 * for it, so marking a user seen never rewrites the (wide) user row itself. Cleared per round.
 */
@Entity({ tableName: 'directory_round_seen' })
export class DirectoryRoundSeen {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @PrimaryKey({ type: 'integer' })
  round: number;

  @PrimaryKey({ type: 'string', length: 64 })
  id: string;

  constructor(orgId: string, round: number, id: string) {
    this.orgId = orgId;
    this.round = round;
    this.id = id;
  }
}
