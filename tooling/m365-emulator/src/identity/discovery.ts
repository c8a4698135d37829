import { json, type EmuReply } from '../http/types';
import type { EmulatorState } from '../state/emulator-state';
import type { TenantState } from '../state/tenant';
import { certDerBase64 } from '../tls/material';
import { aadDescription } from './aad-errors';

/** OIDC metadata for a tenant (GUID in every URL and the issuer), or the {tenant} placeholders for common. */
export function openIdConfiguration(
  origin: string,
  tenant: TenantState | undefined,
  segment: string,
  v2: boolean,
): Record<string, unknown> {
  const t = tenant ? tenant.id : '{tenant}';
  const tid = tenant ? tenant.id : '{tenantid}';
  const v = v2 ? '/v2.0' : '';
  return {
    token_endpoint: `${origin}/${t}/oauth2${v}/token`,
    token_endpoint_auth_methods_supported: [
      'client_secret_post',
      'private_key_jwt',
      'client_secret_basic',
    ],
    jwks_uri: `${origin}/${tenant ? t : segment}/discovery${v}/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: v2 ? `${origin}/${tid}/v2.0` : `https://sts.windows.net/${tid}/`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${origin}/${t}/oauth2${v}/authorize`,
    device_authorization_endpoint: `${origin}/${t}/oauth2${v}/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${origin}/${t}/oauth2${v}/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${origin}/${t}/kerberos`,
    tenant_region_scope: tenant ? 'NA' : null,
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

export function unknownTenantDiscovery(
  segment: string,
  correlationId: string,
  now: Date,
): EmuReply {
  return json(400, {
    error: 'invalid_tenant',
    error_description: aadDescription(
      90002,
      `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      correlationId,
      now,
    ),
    error_codes: [90002],
  });
}

export function instanceDiscovery(
  origin: string,
  authorizationEndpoint: string | null,
): Record<string, unknown> {
  const host = new URL(origin).host;
  let tenantPart = 'common';
  if (authorizationEndpoint) {
    try {
      tenantPart =
        new URL(authorizationEndpoint).pathname.split('/').filter(Boolean)[0] ?? 'common';
    } catch {
      // keep common
    }
  }
  return {
    tenant_discovery_endpoint: `${origin}/${tenantPart}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [
      { preferred_network: host, preferred_cache: host, aliases: [host] },
      {
        preferred_network: 'login.microsoftonline.com',
        preferred_cache: 'login.windows.net',
        aliases: [
          'login.microsoftonline.com',
          'login.windows.net',
          'login.microsoft.com',
          'sts.windows.net',
        ],
      },
    ],
  };
}

export function jwks(
  state: EmulatorState,
  origin: string,
  tenant: TenantState | undefined,
): Record<string, unknown> {
  const pub = state.signingPublicKey.export({ format: 'jwk' });
  return {
    keys: [
      {
        kty: 'RSA',
        use: 'sig',
        kid: state.signingKid,
        x5t: state.signingKid,
        n: pub.n,
        e: pub.e,
        x5c: [certDerBase64(state.material.signingCertPem)],
        issuer: `${origin}/${tenant ? tenant.id : '{tenantid}'}/v2.0`,
      },
    ],
  };
}
