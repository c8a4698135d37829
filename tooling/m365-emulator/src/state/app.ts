import { certThumbprints, type EmulatorMaterial } from '../tls/material';
import { DEFAULT_APPLICATION_PERMISSIONS, DEFAULT_DELEGATED_PERMISSIONS } from './permissions';

/** The multi-tenant app registration the product uses. */
export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  displayName: string;
  publisherName: string;
  certificatePem: string;
  privateKeyPem: string;
  /** Hex SHA-1 thumbprint of the certificate, as MSAL's clientCertificate.thumbprint expects. */
  thumbprintSha1: string;
  /** Hex SHA-256 thumbprint (clientCertificate.thumbprintSha256). */
  thumbprintSha256: string;
  redirectUris: string[];
  /** Application permissions configured on the registration (granted together by admin consent). */
  applicationPermissions: string[];
  /** Delegated permissions configured on the registration. */
  delegatedPermissions: string[];
  /** Id of the app registration's home tenant. */
  homeTenantId: string;
}

export const ROX_APP_CLIENT_ID = '6f8b2c1e-3d4a-4b5c-9e7f-0a1b2c3d4e5f';
export const ROX_APP_CLIENT_SECRET = 'Rox~emulator.client.secret-0123456789abcdef';
export const ROX_HOME_TENANT_ID = '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';

export interface AppOverrides {
  redirectUris?: string[];
  applicationPermissions?: string[];
  delegatedPermissions?: string[];
}

export function buildAppRegistration(
  material: EmulatorMaterial,
  overrides: AppOverrides = {},
): AppRegistration {
  const thumbs = certThumbprints(material.appCertPem);
  return {
    clientId: ROX_APP_CLIENT_ID,
    clientSecret: ROX_APP_CLIENT_SECRET,
    displayName: 'Rox 365 Integration',
    publisherName: 'Rox Data Corp.',
    certificatePem: material.appCertPem,
    privateKeyPem: material.appKeyPem,
    thumbprintSha1: thumbs.sha1Hex,
    thumbprintSha256: thumbs.sha256Hex,
    redirectUris: [...(overrides.redirectUris ?? [])],
    applicationPermissions: [
      ...(overrides.applicationPermissions ?? DEFAULT_APPLICATION_PERMISSIONS),
    ],
    delegatedPermissions: [...(overrides.delegatedPermissions ?? DEFAULT_DELEGATED_PERMISSIONS)],
    homeTenantId: ROX_HOME_TENANT_ID,
  };
}
