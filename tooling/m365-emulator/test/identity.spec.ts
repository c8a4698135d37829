import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';
import { signJwt } from '../src/util/jwt';
import { decodePayload, msalApp, postForm } from './helpers';

const REDIRECT = 'https://app.rox.example/consent/callback';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    seed: 'demo',
    tls: true,
    app: { redirectUris: [REDIRECT] },
  });
});

afterAll(async () => {
  await emu.stop();
});

async function adminConsentFlow(
  tenant: string,
  upn: string,
  action: 'accept' | 'cancel',
  state = 'xyz',
): Promise<Response> {
  const q = new URLSearchParams({
    client_id: emu.app.clientId,
    scope: 'https://graph.microsoft.com/.default',
    redirect_uri: REDIRECT,
    state,
  });
  const url = `${emu.authorityHost}/${tenant}/v2.0/adminconsent?${q.toString()}`;
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(`signin-${upn.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`);
  const signIn = await fetch(url, {
    method: 'POST',
    body: new URLSearchParams({ action: 'signin', user: upn }),
    redirect: 'manual',
  });
  if (signIn.status !== 200) return signIn;
  return fetch(url, {
    method: 'POST',
    body: new URLSearchParams({ action, user: upn }),
    redirect: 'manual',
  });
}

describe('trust and discovery', () => {
  it('test workers inherit NODE_EXTRA_CA_CERTS from the global setup, so fetch trusts the emulator', async () => {
    expect(process.env.NODE_EXTRA_CA_CERTS).toBe(resolve(__dirname, '..', '.emulator', 'ca.pem'));
    const res = await fetch(
      `${emu.authorityHost}/${DEMO_TENANT.id}/v2.0/.well-known/openid-configuration`,
    );
    expect(res.status).toBe(200);
  });

  it('serves OIDC metadata by tenant GUID and by verified domain, always with the GUID inside', async () => {
    for (const t of [DEMO_TENANT.id, DEMO_TENANT.verifiedDomain, DEMO_TENANT.initialDomain]) {
      const doc = (await (
        await fetch(`${emu.authorityHost}/${t}/v2.0/.well-known/openid-configuration`)
      ).json()) as Record<string, string>;
      expect(doc.issuer).toBe(`${emu.authorityHost}/${DEMO_TENANT.id}/v2.0`);
      expect(doc.token_endpoint).toBe(`${emu.authorityHost}/${DEMO_TENANT.id}/oauth2/v2.0/token`);
      expect(doc.end_session_endpoint).toBeDefined();
      expect(doc.authorization_endpoint).toBeDefined();
    }
  });

  it('answers AADSTS90002 invalid_tenant for an unknown tenant', async () => {
    const res = await fetch(
      `${emu.authorityHost}/nosuch.onmicrosoft.com/v2.0/.well-known/openid-configuration`,
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: string;
      error_codes: number[];
      error_description: string;
    };
    expect(body.error).toBe('invalid_tenant');
    expect(body.error_codes).toEqual([90002]);
    expect(body.error_description).toMatch(
      /^AADSTS90002: Tenant 'nosuch.onmicrosoft.com' not found/,
    );
  });

  it('serves instance discovery and a JWKS whose key signs the tokens', async () => {
    const inst = (await (
      await fetch(
        `${emu.authorityHost}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${emu.authorityHost}/common/oauth2/v2.0/authorize`)}`,
      )
    ).json()) as Record<string, unknown>;
    expect(inst['tenant_discovery_endpoint']).toBe(
      `${emu.authorityHost}/common/v2.0/.well-known/openid-configuration`,
    );
    const keys = (await (
      await fetch(`${emu.authorityHost}/${DEMO_TENANT.id}/discovery/v2.0/keys`)
    ).json()) as { keys: { kid: string; kty: string }[] };
    expect(keys.keys[0]?.kty).toBe('RSA');
    expect(keys.keys[0]?.kid).toBe(emu.state.signingKid);
  });
});

describe('client credentials with real MSAL', () => {
  it('fails with AADSTS700016 before any consent (no service principal)', async () => {
    await emu.control.createTenant({ domain: 'northwind' });
    const app = msalApp(emu, 'northwind.onmicrosoft.com');
    const error = await app
      .acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })
      .then(
        () => undefined,
        (e: unknown) => e as { errorCode: string; errorMessage: string },
      );
    expect(error?.errorCode).toBe('unauthorized_client');
    expect(error?.errorMessage).toContain('AADSTS700016');
  });

  it('refuses a non-admin on the admin consent page and redirects a cancel as Microsoft does', async () => {
    const refused = await adminConsentFlow(DEMO_TENANT.id, DEMO_TENANT.users.member, 'accept');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('id="need-admin-approval"');
    const cancel = await adminConsentFlow(DEMO_TENANT.id, DEMO_TENANT.users.admin, 'cancel', 's1');
    expect(cancel.status).toBe(302);
    const loc = new URL(cancel.headers.get('location') ?? '');
    expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('error_subcode')).toBe('cancel');
    expect(loc.searchParams.get('state')).toBe('s1');
  });

  it('issues app-only tokens with roles after an admin accepts consent', async () => {
    const res = await adminConsentFlow(
      DEMO_TENANT.verifiedDomain,
      DEMO_TENANT.users.admin,
      'accept',
      'st-42',
    );
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location') ?? '');
    expect(loc.searchParams.get('admin_consent')).toBe('True');
    expect(loc.searchParams.get('tenant')).toBe(DEMO_TENANT.id);
    expect(loc.searchParams.get('state')).toBe('st-42');
    expect(loc.searchParams.get('scope')).toContain('https://graph.microsoft.com/Mail.Read');
    expect(res.headers.get('location')).toContain('admin_consent=True&tenant=');

    const result = await msalApp(emu, DEMO_TENANT.id).acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    expect(result?.accessToken).toBeTruthy();
    const claims = decodePayload(result?.accessToken ?? '');
    expect(claims.roles).toEqual(
      expect.arrayContaining([
        'Mail.ReadBasic.All',
        'Mail.Read',
        'Calendars.ReadWrite',
        'MailboxSettings.Read',
        'Directory.Read.All',
      ]),
    );
    expect(claims).toMatchObject({
      tid: DEMO_TENANT.id,
      idtyp: 'app',
      appid: emu.app.clientId,
      appidacr: '1',
      aud: 'https://graph.microsoft.com',
      ver: '1.0',
    });
    expect(claims.oid).toBe(claims.sub);
    expect(claims.scp).toBeUndefined();
  });

  it('authenticates with a certificate assertion (SHA-256 thumbprint, PS256) through MSAL', async () => {
    const result = await msalApp(emu, DEMO_TENANT.id, 'certificate').acquireTokenByClientCredential(
      { scopes: ['https://graph.microsoft.com/.default'] },
    );
    expect(decodePayload(result?.accessToken ?? '').appidacr).toBe('2');
  });

  it('authenticates with a certificate assertion (SHA-1 thumbprint, RS256) through MSAL', async () => {
    const result = await msalApp(
      emu,
      DEMO_TENANT.id,
      'certificate-sha1',
    ).acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    expect(decodePayload(result?.accessToken ?? '').appidacr).toBe('2');
  });

  it('rejects a bad secret with AADSTS7000215 (401 invalid_client)', async () => {
    const error = await msalApp(emu, DEMO_TENANT.id, { secret: 'wrong' })
      .acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })
      .then(
        () => undefined,
        (e: unknown) => e as { errorCode: string; errorMessage: string },
      );
    expect(error?.errorCode).toBe('invalid_client');
    expect(error?.errorMessage).toContain('AADSTS7000215');
  });

  it('rejects a named scope with AADSTS1002012', async () => {
    const error = await msalApp(emu, DEMO_TENANT.id)
      .acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/Mail.Read'] })
      .then(
        () => undefined,
        (e: unknown) => e as { errorCode: string; errorMessage: string },
      );
    expect(error?.errorCode).toBe('invalid_scope');
    expect(error?.errorMessage).toContain('AADSTS1002012');
  });

  it('accepts the secret through HTTP Basic as well as in the body', async () => {
    const basic = Buffer.from(
      `${encodeURIComponent(emu.app.clientId)}:${encodeURIComponent(emu.app.clientSecret)}`,
    ).toString('base64');
    const res = await postForm(
      `${emu.authorityHost}/${DEMO_TENANT.id}/oauth2/v2.0/token`,
      { grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' },
      { authorization: `Basic ${basic}` },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3599,
      ext_expires_in: 3599,
    });
    const body = await postForm(`${emu.authorityHost}/${DEMO_TENANT.id}/oauth2/v2.0/token`, {
      grant_type: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
      client_id: emu.app.clientId,
      client_secret: emu.app.clientSecret,
    });
    expect(body.status).toBe(200);
  });

  it('rejects an expired or foreign assertion with AADSTS700024 / 700027', async () => {
    const aud = `${emu.authorityHost}/${DEMO_TENANT.id}/oauth2/v2.0/token`;
    const x5t = Buffer.from(emu.app.thumbprintSha1, 'hex').toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const send = (assertion: string): Promise<{ status: number; body: Record<string, unknown> }> =>
      postForm(aud, {
        grant_type: 'client_credentials',
        scope: 'https://graph.microsoft.com/.default',
        client_id: emu.app.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });
    const claims = {
      aud,
      iss: emu.app.clientId,
      sub: emu.app.clientId,
      jti: 'x',
      nbf: now - 3600,
      exp: now - 1800,
    };
    const expired = await send(signJwt({ x5t }, claims, createPrivateKey(emu.app.privateKeyPem)));
    expect(expired.status).toBe(401);
    expect(expired.body.error_codes).toEqual([700024]);
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const badSig = await send(signJwt({ x5t }, { ...claims, nbf: now, exp: now + 600 }, foreign));
    expect(badSig.body.error_codes).toEqual([700027]);
    const good = await send(
      signJwt(
        { x5t },
        { ...claims, nbf: now, exp: now + 600 },
        createPrivateKey(emu.app.privateKeyPem),
      ),
    );
    expect(good.status).toBe(200);
  });

  it('issues a token without roles once every permission is revoked (Graph then answers 403)', async () => {
    await emu.control.createTenant({ domain: 'tailspin', adminConsented: true });
    const summary = await emu.control.tenant('tailspin.com');
    for (const role of summary.servicePrincipal?.grantedRoles ?? [])
      await emu.control.revokeRole('tailspin.com', role);
    const result = await msalApp(emu, 'tailspin.com').acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
      skipCache: true,
    });
    expect(decodePayload(result?.accessToken ?? '').roles).toBeUndefined();
    const res = await fetch(`${emu.graphBaseUrl}/v1.0/users`, {
      headers: { authorization: `Bearer ${result?.accessToken ?? ''}` },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'Authorization_RequestDenied',
    );
  });

  it('requires redirect URIs to match exactly; new ones can be registered through the control API', async () => {
    const other = 'http://localhost:5173/callback';
    const q = new URLSearchParams({
      client_id: emu.app.clientId,
      scope: 'https://graph.microsoft.com/.default',
      redirect_uri: other,
    });
    const before = await fetch(
      `${emu.authorityHost}/${DEMO_TENANT.id}/v2.0/adminconsent?${q.toString()}`,
    );
    expect(before.status).toBe(400);
    expect(await before.text()).toContain('AADSTS50011');
    await emu.control.addRedirectUri(other);
    const after = await fetch(
      `${emu.authorityHost}/${DEMO_TENANT.id}/v2.0/adminconsent?${q.toString()}`,
    );
    expect(after.status).toBe(200);
    const trailing = new URLSearchParams({
      client_id: emu.app.clientId,
      scope: 'https://graph.microsoft.com/.default',
      redirect_uri: `${other}/`,
    });
    expect(
      (
        await fetch(
          `${emu.authorityHost}/${DEMO_TENANT.id}/v2.0/adminconsent?${trailing.toString()}`,
        )
      ).status,
    ).toBe(400);
  });
});
