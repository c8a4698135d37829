import {
  createHash,
  createPrivateKey,
  createPublicKey,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';

import { FaultRegistry, type IdTokenFault } from '../control/faults';
import { RequestLog } from '../control/request-log';
import { buildTenant } from '../seed/build-tenant';
import type { TenantSpec } from '../seed/tenant-spec';
import type { EmulatorMaterial } from '../tls/material';
import { toBase64Url } from '../util/base64url';
import {
  buildAppRegistrations,
  type AppKind,
  type AppOverrides,
  type AppRegistration,
  type AppRegistrations,
} from './app';
import { defaultSettings, type EmulatorSettings } from './settings';
import type { TenantState } from './tenant';
import { ChangeClock } from './versioned-collection';

export interface AuthCode {
  code: string;
  tenantId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
  expiresAtMs: number;
  redeemed: boolean;
}

export interface RefreshTokenRecord {
  token: string;
  tenantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  /** When this token was issued (each rotation issues a new one). */
  issuedMs: number;
  lastUsedMs: number;
  revoked: boolean;
}

/** Browser sign-in sessions of the emulated login page (cookie → user). */
export interface SignInSession {
  tenantId: string;
  userId: string;
}

/** The whole mutable world of one emulator instance. */
export class EmulatorState {
  readonly clock = new ChangeClock();
  readonly tenants = new Map<string, TenantState>();
  /** Rox's two app registrations. */
  readonly apps: AppRegistrations;
  readonly settings: EmulatorSettings = defaultSettings();
  readonly faults = new FaultRegistry();
  /** The next ID tokens' fault, if any (see control API `id-token-faults`). */
  idTokenFault: IdTokenFault | undefined;
  /** The last ID token issued to each client id, for replay faults. */
  readonly lastIdTokens = new Map<string, string>();
  readonly log = new RequestLog();
  readonly authCodes = new Map<string, AuthCode>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly sessions = new Map<string, SignInSession>();
  /** "tenantId|userId" → the user's TokensValidFrom (set by revoking their sessions), in ms. */
  readonly tokensValidFrom = new Map<string, number>();
  readonly signingKey: KeyObject;
  readonly signingPublicKey: KeyObject;
  readonly signingKid: string;
  readonly signingCertDer: string;
  readonly appPublicKey: KeyObject;
  /** Time source; tests can move it forward through the control API. */
  clockOffsetMs = 0;
  private readonly tenantSpecs: TenantSpec[] = [];

  constructor(
    readonly material: EmulatorMaterial,
    appOverrides: { orgwide?: AppOverrides; individual?: AppOverrides },
    private readonly startMs: number,
  ) {
    this.apps = buildAppRegistrations(material, appOverrides);
    this.signingKey = createPrivateKey(material.signingKeyPem);
    this.signingPublicKey = createPublicKey(this.signingKey);
    const cert = new X509Certificate(material.signingCertPem);
    this.signingKid = toBase64Url(createHash('sha1').update(cert.raw).digest());
    this.signingCertDer = cert.raw.toString('base64');
    this.appPublicKey = new X509Certificate(material.appCertPem).publicKey;
  }

  /** @deprecated The org-wide registration; name the app through `apps` or `findApp`. */
  get app(): AppRegistration {
    return this.apps.orgwide;
  }

  /** Both registrations, org-wide first. */
  appList(): AppRegistration[] {
    return [this.apps.orgwide, this.apps.individual];
  }

  /** The registration with this client id (case-insensitive), if it is one of Rox's. */
  findApp(clientId: string | null | undefined): AppRegistration | undefined {
    const lower = (clientId ?? '').toLowerCase();
    return this.appList().find((a) => a.clientId === lower);
  }

  /** An app by kind ('orgwide' | 'individual') or client id; the org-wide app when omitted. */
  appBySelector(selector: string | undefined): AppRegistration | undefined {
    if (selector === undefined || selector === '') return this.apps.orgwide;
    if (selector === 'orgwide' || selector === 'individual')
      return this.apps[selector satisfies AppKind];
    return this.findApp(selector);
  }

  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  nowMs(): number {
    return Date.now() + this.clockOffsetMs;
  }

  addTenant(spec: TenantSpec): TenantState {
    const tenant = buildTenant(spec, {
      clock: this.clock,
      nowMs: this.startMs,
      app: this.apps.orgwide,
    });
    const clash =
      this.findTenant(tenant.id) ?? tenant.domains.map((d) => this.findTenant(d)).find(Boolean);
    if (clash) this.removeTenant(clash.id);
    this.tenants.set(tenant.id, tenant);
    this.tenantSpecs.push(spec);
    return tenant;
  }

  removeTenant(id: string): boolean {
    return this.tenants.delete(id);
  }

  /** Rebuilds a tenant from the spec it was created with (drops every mutation). */
  resetTenant(id: string): TenantState | undefined {
    const tenant = this.tenants.get(id);
    if (!tenant) return undefined;
    const spec = [...this.tenantSpecs].reverse().find((s) => {
      const built = buildTenant(s, { clock: new ChangeClock(), nowMs: this.startMs });
      return built.id === id;
    });
    if (!spec) return undefined;
    return this.addTenant(spec);
  }

  /** Finds a tenant by GUID or by any of its domains (case-insensitive). */
  findTenant(idOrDomain: string): TenantState | undefined {
    const lower = idOrDomain.toLowerCase();
    const byId = this.tenants.get(lower);
    if (byId) return byId;
    for (const t of this.tenants.values()) {
      if (t.domains.some((d) => d.toLowerCase() === lower)) return t;
    }
    return undefined;
  }
}
