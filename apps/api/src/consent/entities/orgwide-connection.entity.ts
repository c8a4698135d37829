import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** A delegated grant on the org-wide app as Entra listed it (scopes only, no user ids). */
export interface StoredDelegatedGrant {
  scopes: string[];
  consentType: 'AllPrincipals' | 'Principal';
}

/**
 * The org's live org-wide connection: which tenant consented and what it granted. Nothing
 * token-like is stored; app-only tokens live only in memory (MSAL's cache).
 */
@Entity({ tableName: 'orgwide_connection' })
// One tenant, one org: the database refuses a second live connection to a tenant, so two
// callbacks racing cannot both win. Disconnecting deletes the row and frees the tenant.
@Unique({ properties: ['tenantId'] })
export class OrgwideConnection {
  @PrimaryKey({ type: 'string', length: 128 })
  orgId: string;

  @Property({ type: 'string', length: 36 })
  tenantId: string;

  // Application permissions from the `roles` claim of the latest app-only token.
  @Property({ type: 'json' })
  grantedPermissions: string[];

  @Property({ type: 'Date', columnType: 'timestamptz' })
  connectedAt: Date;

  @Property({ type: 'string', length: 128 })
  connectedBy: string;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  permissionsCheckedAt: Date;

  // Set when the re-check could not get a token at all (consent revoked, app removed).
  @Property({ type: 'string', length: 64, nullable: true })
  checkError: string | null = null;

  // Delegated grants found on the org-wide app (it should carry none); null until checked or
  // when Entra could not be asked.
  @Property({ type: 'json', nullable: true })
  delegatedGrants: StoredDelegatedGrant[] | null = null;

  // The administrator Microsoft vouched for when the tenant was (re)consented.
  @Property({ type: 'string', length: 320, nullable: true })
  consentedByUsername: string | null = null;

  constructor(props: {
    orgId: string;
    tenantId: string;
    grantedPermissions: readonly string[];
    connectedBy: string;
    now: Date;
  }) {
    this.orgId = props.orgId;
    this.tenantId = props.tenantId.toLowerCase();
    this.grantedPermissions = normalizePermissions(props.grantedPermissions);
    this.connectedAt = props.now;
    this.connectedBy = props.connectedBy;
    this.permissionsCheckedAt = props.now;
  }

  /** Stores a fresh grant; returns what was added and removed. */
  recordGrant(granted: readonly string[], now: Date): { added: string[]; removed: string[] } {
    const next = normalizePermissions(granted);
    const added = next.filter((p) => !this.grantedPermissions.includes(p));
    const removed = this.grantedPermissions.filter((p) => !next.includes(p));
    this.grantedPermissions = next;
    this.permissionsCheckedAt = now;
    this.checkError = null;
    return { added, removed };
  }

  recordCheckError(code: string, now: Date): void {
    this.checkError = code;
    this.permissionsCheckedAt = now;
  }
}

function normalizePermissions(permissions: readonly string[]): string[] {
  return [...new Set(permissions)].sort();
}
