import { certThumbprints, type EmulatorMaterial } from '../tls/material';
import { DEFAULT_APPLICATION_PERMISSIONS, DEFAULT_DELEGATED_PERMISSIONS } from './permissions';

/** Which of Rox's two multi-tenant app registrations. */
export type AppKind = 'orgwide' | 'individual';

/** A multi-tenant app registration the product uses. */
export interface AppRegistration {
  /** Which registration this is. */
  kind: AppKind;
  clientId: string;
  clientSecret: string;
  displayName: string;
  publisherName: string;
  /** Whether the publisher is verified (the consent screens show a blue badge). Default true. */
  publisherVerified: boolean;
  certificatePem: string;
  privateKeyPem: string;
  /** Hex SHA-1 thumbprint of the certificate, as MSAL's clientCertificate.thumbprint expects. */
  thumbprintSha1: string;
  /** Hex SHA-256 thumbprint (clientCertificate.thumbprintSha256). */
  thumbprintSha256: string;
  redirectUris: string[];
  /** Application permissions configured on the registration (granted together by admin consent). */
  applicationPermissions: string[];
  /** Delegated permissions configured on the registration (admin consent grants them tenant-wide). */
  delegatedPermissions: string[];
  /**
   * The manifest's groupMembershipClaims: 'DirectoryRole' or 'All' put the user's directory role
   * template ids (`wids`) into ID tokens.
   */
  groupMembershipClaims: 'None' | 'DirectoryRole' | 'SecurityGroup' | 'All';
  /** Optional claims configured for ID tokens (the emulator knows `acct`). */
  optionalIdTokenClaims: string[];
  /** Id of the app registration's home tenant. */
  homeTenantId: string;
}

/** The org-wide app: application permissions only, used for admin consent and the tenant proof. */
export const ROX_ORGWIDE_APP_CLIENT_ID = '6f8b2c1e-3d4a-4b5c-9e7f-0a1b2c3d4e5f';
export const ROX_ORGWIDE_APP_CLIENT_SECRET = 'Rox~emulator.client.secret-0123456789abcdef';
/** The individual app: delegated permissions only, used by individual Outlook connections. */
export const ROX_INDIVIDUAL_APP_CLIENT_ID = '2dbe5ee1-88d7-4d96-ad78-16806759492f';
export const ROX_INDIVIDUAL_APP_CLIENT_SECRET = 'Rox~emulator.individual.secret-fedcba9876543210';
/** @deprecated The org-wide app's client id; use ROX_ORGWIDE_APP_CLIENT_ID. */
export const ROX_APP_CLIENT_ID = ROX_ORGWIDE_APP_CLIENT_ID;
/** @deprecated The org-wide app's secret; use ROX_ORGWIDE_APP_CLIENT_SECRET. */
export const ROX_APP_CLIENT_SECRET = ROX_ORGWIDE_APP_CLIENT_SECRET;
export const ROX_HOME_TENANT_ID = '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';

export interface AppOverrides {
  redirectUris?: string[];
  applicationPermissions?: string[];
  delegatedPermissions?: string[];
  groupMembershipClaims?: AppRegistration['groupMembershipClaims'];
  optionalIdTokenClaims?: string[];
  publisherVerified?: boolean;
}

export interface AppRegistrations {
  orgwide: AppRegistration;
  individual: AppRegistration;
}

interface AppDefaults {
  kind: AppKind;
  clientId: string;
  clientSecret: string;
  displayName: string;
  applicationPermissions: string[];
  delegatedPermissions: string[];
  groupMembershipClaims: AppRegistration['groupMembershipClaims'];
  optionalIdTokenClaims: string[];
}

const DEFAULTS: Record<AppKind, AppDefaults> = {
  orgwide: {
    kind: 'orgwide',
    clientId: ROX_ORGWIDE_APP_CLIENT_ID,
    clientSecret: ROX_ORGWIDE_APP_CLIENT_SECRET,
    displayName: 'Rox Orgwide Integration',
    applicationPermissions: DEFAULT_APPLICATION_PERMISSIONS,
    delegatedPermissions: [],
    // The tenant proof reads the admin's roles and member/guest state from the ID token.
    groupMembershipClaims: 'DirectoryRole',
    optionalIdTokenClaims: ['acct'],
  },
  individual: {
    kind: 'individual',
    clientId: ROX_INDIVIDUAL_APP_CLIENT_ID,
    clientSecret: ROX_INDIVIDUAL_APP_CLIENT_SECRET,
    displayName: 'Rox 365 Integration',
    applicationPermissions: [],
    delegatedPermissions: DEFAULT_DELEGATED_PERMISSIONS,
    groupMembershipClaims: 'None',
    optionalIdTokenClaims: [],
  },
};

function buildApp(
  material: EmulatorMaterial,
  d: AppDefaults,
  overrides: AppOverrides,
): AppRegistration {
  // Both registrations carry the same certificate; each has its own secret.
  const thumbs = certThumbprints(material.appCertPem);
  return {
    kind: d.kind,
    clientId: d.clientId,
    clientSecret: d.clientSecret,
    displayName: d.displayName,
    publisherName: 'Rox Data Corp.',
    publisherVerified: overrides.publisherVerified ?? true,
    certificatePem: material.appCertPem,
    privateKeyPem: material.appKeyPem,
    thumbprintSha1: thumbs.sha1Hex,
    thumbprintSha256: thumbs.sha256Hex,
    redirectUris: [...(overrides.redirectUris ?? [])],
    applicationPermissions: [...(overrides.applicationPermissions ?? d.applicationPermissions)],
    delegatedPermissions: [...(overrides.delegatedPermissions ?? d.delegatedPermissions)],
    groupMembershipClaims: overrides.groupMembershipClaims ?? d.groupMembershipClaims,
    optionalIdTokenClaims: [...(overrides.optionalIdTokenClaims ?? d.optionalIdTokenClaims)],
    homeTenantId: ROX_HOME_TENANT_ID,
  };
}

export function buildAppRegistrations(
  material: EmulatorMaterial,
  overrides: { orgwide?: AppOverrides; individual?: AppOverrides } = {},
): AppRegistrations {
  return {
    orgwide: buildApp(material, DEFAULTS.orgwide, overrides.orgwide ?? {}),
    individual: buildApp(material, DEFAULTS.individual, overrides.individual ?? {}),
  };
}

/** Whether the app's ID tokens carry `wids`. */
export function emitsDirectoryRoles(app: AppRegistration): boolean {
  return app.groupMembershipClaims === 'DirectoryRole' || app.groupMembershipClaims === 'All';
}
