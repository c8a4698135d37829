import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** The two legs of a connect: the admin's sign-in (proof of control), then admin consent. */
export type ConsentStage = 'sign_in' | 'consent';

/** A first connection, or a fresh consent for the tenant an org is already connected to. */
export type ConsentPurpose = 'connect' | 'reconsent';

/**
 * One leg of an org-wide connect. Only SHA-256 hashes of the `state` sent to Microsoft, of the
 * browser-binding cookie and of the OIDC nonce are kept, so a database reader cannot complete
 * someone else's connect; the PKCE verifier is sealed with the key ring.
 */
@Entity({ tableName: 'orgwide_consent_state' })
@Index({ properties: ['orgId', 'createdAt'] })
export class ConsentState {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Unique()
  @Property({ type: 'string', length: 64 })
  stateHash: string;

  @Property({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 128 })
  adminRoxUserId: string;

  @Property({ type: 'string', length: 36 })
  tenantId: string;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  expiresAt: Date;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  usedAt: Date | null = null;

  @Property({ type: 'string', length: 16 })
  stage: ConsentStage;

  @Property({ type: 'string', length: 16 })
  purpose: ConsentPurpose;

  // SHA-256 of the HttpOnly cookie set on the browser that started the connect.
  @Property({ type: 'string', length: 64 })
  browserBindingHash: string;

  // Sign-in leg: SHA-256 of the OIDC nonce and the sealed PKCE verifier.
  @Property({ type: 'string', length: 64, nullable: true })
  nonceHash: string | null = null;

  @Property({ type: 'text', nullable: true })
  codeVerifierSealed: string | null = null;

  // Consent leg: the sign-in it follows and the administrator Microsoft vouched for.
  @Property({ type: 'uuid', nullable: true })
  signInId: string | null = null;

  @Property({ type: 'string', length: 36, nullable: true })
  adminObjectId: string | null = null;

  @Property({ type: 'string', length: 320, nullable: true })
  adminUsername: string | null = null;

  constructor(props: {
    id: string;
    stateHash: string;
    orgId: string;
    adminRoxUserId: string;
    tenantId: string;
    stage: ConsentStage;
    purpose: ConsentPurpose;
    browserBindingHash: string;
    now: Date;
    ttlSeconds: number;
  }) {
    this.id = props.id;
    this.stateHash = props.stateHash;
    this.orgId = props.orgId;
    this.adminRoxUserId = props.adminRoxUserId;
    this.tenantId = props.tenantId.toLowerCase();
    this.stage = props.stage;
    this.purpose = props.purpose;
    this.browserBindingHash = props.browserBindingHash;
    this.createdAt = props.now;
    this.expiresAt = new Date(props.now.getTime() + props.ttlSeconds * 1000);
  }

  isExpired(now: Date): boolean {
    return now.getTime() >= this.expiresAt.getTime();
  }
}
