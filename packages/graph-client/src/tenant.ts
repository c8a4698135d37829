import { trimTrailingSlash } from './config';
import { IdentityError, parseAadsts } from './errors';

/** The OpenID Connect discovery document of one tenant (the fields this package uses). */
export interface OpenIdConfiguration {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly end_session_endpoint: string;
  readonly jwks_uri?: string;
  readonly [field: string]: unknown;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Fetches `{authorityHost}/{tenant}/v2.0/.well-known/openid-configuration`. */
export async function fetchOpenIdConfiguration(
  authorityHost: string,
  tenant: string,
): Promise<OpenIdConfiguration> {
  const url = `${trimTrailingSlash(authorityHost)}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (cause) {
    throw new IdentityError({
      error: 'network',
      description: `Cannot reach ${authorityHost}`,
      cause,
    });
  }
  const text = await response.text();
  const body = parseJsonObject(text);
  if (!response.ok) {
    const error = typeof body?.error === 'string' ? body.error : `http_${response.status}`;
    const description =
      typeof body?.error_description === 'string' ? body.error_description : text.slice(0, 200);
    const codes = Array.isArray(body?.error_codes) ? (body.error_codes as unknown[]) : [];
    const first = typeof codes[0] === 'number' ? codes[0] : parseAadsts(description);
    throw new IdentityError({ error, description, aadsts: first, status: response.status });
  }
  if (
    !body ||
    typeof body.issuer !== 'string' ||
    typeof body.token_endpoint !== 'string' ||
    typeof body.authorization_endpoint !== 'string'
  ) {
    throw new IdentityError({
      error: 'invalid_discovery_document',
      description: `Unexpected document at ${url}`,
    });
  }
  return { end_session_endpoint: '', ...body } as OpenIdConfiguration;
}

/**
 * Resolves a verified domain (or a tenant GUID) to the tenant GUID, from the issuer of the
 * tenant's discovery document. Unknown tenants throw an IdentityError of kind `tenant_not_found`.
 */
export async function resolveTenantId(
  authorityHost: string,
  domainOrGuid: string,
): Promise<string> {
  const input = domainOrGuid.trim();
  if (input.length === 0 || /[/?#\s]/.test(input)) {
    throw new IdentityError({
      error: 'invalid_tenant',
      description: `AADSTS90002: Tenant '${input}' is not valid.`,
    });
  }
  const document = await fetchOpenIdConfiguration(authorityHost, input);
  const tenantId = new URL(document.issuer).pathname
    .split('/')
    .find((segment) => GUID.test(segment));
  if (!tenantId) {
    throw new IdentityError({
      error: 'invalid_discovery_document',
      description: `No tenant id in issuer ${document.issuer}`,
    });
  }
  return tenantId.toLowerCase();
}

/** Per-host cache of discovery documents (they change rarely; failures are not cached). */
export class OpenIdConfigurationCache {
  private readonly documents = new Map<string, Promise<OpenIdConfiguration>>();

  constructor(private readonly authorityHost: string) {}

  get(tenant: string): Promise<OpenIdConfiguration> {
    const key = tenant.toLowerCase();
    let pending = this.documents.get(key);
    if (!pending) {
      pending = fetchOpenIdConfiguration(this.authorityHost, tenant);
      this.documents.set(key, pending);
      void pending.catch(() => this.documents.delete(key));
    }
    return pending;
  }

  forget(tenant: string): void {
    this.documents.delete(tenant.toLowerCase());
  }
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
