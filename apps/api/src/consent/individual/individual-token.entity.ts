import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The refresh token of one individual connection, sealed with the key ring (AAD context
 * `individual_token.refresh_token_sealed`). `version` grows with every rotation; a rotation is
 * stored only if the version it read is still current, so two refreshes cannot both win.
 * Access tokens are never stored.
 */
@Entity({ tableName: 'individual_token' })
@Index({ properties: ['orgId', 'roxUserId'] })
export class IndividualToken {
  @PrimaryKey({ type: 'uuid' })
  connectionId: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 128 })
  roxUserId: string;

  @Property({ type: 'string', length: 36 })
  tenantId: string;

  @Property({ type: 'text' })
  refreshTokenSealed: string;

  @Property({ type: 'integer' })
  version: number;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  issuedAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  rotatedAt: Date;

  constructor(props: {
    connectionId: string;
    orgId: string;
    roxUserId: string;
    tenantId: string;
    refreshTokenSealed: string;
    now: Date;
  }) {
    this.connectionId = props.connectionId;
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.tenantId = props.tenantId;
    this.refreshTokenSealed = props.refreshTokenSealed;
    this.version = 1;
    this.issuedAt = props.now;
    this.rotatedAt = props.now;
  }
}
