import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

import { type IndividualLevel } from '../entities/individual-connection.entity';

/** Which sign-in a state belongs to: the org-wide connect or a member's own connection. */
export type AuthFlow = 'orgwide' | 'individual';

/** The two legs of an org-wide connect: the admin's sign-in (proof of control), then consent. */
export type AuthStage = 'sign_in' | 'consent';

/**
 * Why the flow runs: an org-wide `connect` or `reconsent`; for an individual connection, the
 * kind of mailbox access it asks for (`calendar` or `mail`).
 */
export type AuthPurpose = 'connect' | 'reconsent' | 'calendar' | 'mail';

/**
 * One round trip through Microsoft's sign-in or consent pages. Only SHA-256 hashes of the `state`
 * sent to Microsoft, of the browser-binding cookie and of the OIDC nonce are kept, so a database
 * reader cannot complete someone else's flow; the PKCE verifier is sealed with the key ring.
 * States are single-use and short-lived.
 */
@Entity({ tableName: 'auth_state' })
@Index({ properties: ['orgId', 'createdAt'] })
export class AuthState {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Unique()
  @Property({ type: 'string', length: 64 })
  stateHash: string;

  @Property({ type: 'string', length: 16 })
  flow: AuthFlow;

  @Property({ type: 'string', length: 16 })
  stage: AuthStage;

  @Property({ type: 'string', length: 16 })
  purpose: AuthPurpose;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  // The Rox user who started the flow (the admin for org-wide, the member for individual).
  @Property({ type: 'string', length: 128 })
  roxUserId: string;

  // The tenant the flow must end in; null when any work account may sign in.
  @Property({ type: 'string', length: 36, nullable: true })
  tenantId: string | null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  expiresAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  usedAt: Date | null = null;

  // SHA-256 of the HttpOnly cookie set on the browser that started the flow.
  @Property({ type: 'string', length: 64 })
  browserBindingHash: string;

  // Sign-in: SHA-256 of the OIDC nonce and the sealed PKCE verifier.
  @Property({ type: 'string', length: 64, nullable: true })
  nonceHash: string | null = null;

  @Property({ type: 'text', nullable: true })
  codeVerifierSealed: string | null = null;

  // The leg this one follows (org-wide consent follows the admin's sign-in).
  @Property({ type: 'uuid', nullable: true })
  previousId: string | null = null;

  // The Microsoft account a previous leg verified.
  @Property({ type: 'string', length: 36, nullable: true })
  microsoftUserId: string | null = null;

  @Property({ type: 'string', length: 320, nullable: true })
  microsoftUsername: string | null = null;

  // Individual flow: the member's connection this sign-in completes.
  @Property({ type: 'uuid', nullable: true })
  connectionId: string | null = null;

  // Individual flow: the level this sign-in asks for. The connection takes it only once the
  // sign-in is verified, so a cancelled or refused upgrade leaves the level it runs at.
  @Property({ type: 'string', length: 16, nullable: true })
  requestedLevel: IndividualLevel | null = null;

  constructor(props: {
    id: string;
    stateHash: string;
    flow: AuthFlow;
    stage: AuthStage;
    purpose: AuthPurpose;
    orgId: string;
    roxUserId: string;
    tenantId: string | null;
    browserBindingHash: string;
    now: Date;
    ttlSeconds: number;
  }) {
    this.id = props.id;
    this.stateHash = props.stateHash;
    this.flow = props.flow;
    this.stage = props.stage;
    this.purpose = props.purpose;
    this.orgId = props.orgId;
    this.roxUserId = props.roxUserId;
    this.tenantId = props.tenantId?.toLowerCase() ?? null;
    this.browserBindingHash = props.browserBindingHash;
    this.createdAt = props.now;
    this.expiresAt = new Date(props.now.getTime() + props.ttlSeconds * 1000);
  }

  isExpired(now: Date): boolean {
    return now.getTime() >= this.expiresAt.getTime();
  }
}
