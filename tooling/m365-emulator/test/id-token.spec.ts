import { createHash, createPublicKey, randomBytes, verify, type JsonWebKey } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  DEMO_FABRIKAM_TENANT,
  DEMO_TENANT,
  DIRECTORY_ROLES,
  startEmulator,
  type AppKind,
  type RunningEmulator,
} from '../src/index';
import { decodePayload, driveSignIn, msalApp } from './helpers';

// The tenant proof the API runs before admin consent: authorization code + PKCE + nonce with
// `openid profile` and prompt=select_account, then a local check of the ID token.
const REDIRECT = 'https://rox.example.test/api/v1/orgwide/proof/callback';
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({
    seed: 'demo',
    apps: { orgwide: { redirectUris: [REDIRECT] }, individual: { redirectUris: [REDIRECT] } },
  });
});

afterAll(async () => {
  await emu.stop();
});

interface Proof {
  idToken: string;
  claims: Record<string, unknown>;
  nonce: string;
}

/** Runs the OIDC sign-in through real MSAL and the emulated pages; returns the ID token. */
async function signInWithOidc(
  authority: string,
  upn: string,
  kind: AppKind = 'orgwide',
): Promise<Proof> {
  const app = msalApp(emu, authority, 'secret', kind);
  const verifier = randomBytes(32).toString('base64url');
  const nonce = randomBytes(16).toString('hex');
  const url = await app.getAuthCodeUrl({
    scopes: ['openid', 'profile'],
    redirectUri: REDIRECT,
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    codeChallengeMethod: 'S256',
    prompt: 'select_account',
    nonce,
    state: 'proof',
  });
  const outcome = await driveSignIn(url, upn);
  expect(outcome.status, outcome.html).toBe(302);
  const code = outcome.location?.searchParams.get('code') ?? '';
  const result = await app.acquireTokenByCode({
    code,
    scopes: ['openid', 'profile'],
    redirectUri: REDIRECT,
    codeVerifier: verifier,
    // MSAL itself rejects an ID token whose nonce differs (nonce_mismatch).
    nonce,
  });
  return { idToken: result.idToken, claims: decodePayload(result.idToken), nonce };
}

/** Verifies an ID token the way a relying party does: discovery → jwks_uri → kid → RS256. */
async function verifyWithJwks(idToken: string, tenantId: string): Promise<boolean> {
  const discovery = (await (
    await fetch(`${emu.authorityHost}/${tenantId}/v2.0/.well-known/openid-configuration`)
  ).json()) as { issuer: string; jwks_uri: string };
  const { keys } = (await (await fetch(discovery.jwks_uri)).json()) as {
    keys: (JsonWebKey & { kid: string })[];
  };
  const [h = '', p = '', sig = ''] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as {
    kid: string;
    alg: string;
  };
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== 'RS256') return false;
  return verify(
    'RSA-SHA256',
    Buffer.from(`${h}.${p}`),
    createPublicKey({ key: jwk, format: 'jwk' }),
    Buffer.from(sig, 'base64url'),
  );
}

async function issuerOf(tenantId: string): Promise<string> {
  const res = await fetch(`${emu.authorityHost}/${tenantId}/v2.0/.well-known/openid-configuration`);
  return ((await res.json()) as { issuer: string }).issuer;
}

function idOf(tenantId: string, upn: string): string | undefined {
  return emu.state.findTenant(tenantId)?.findUser(upn)?.id;
}

describe('ID tokens of the org-wide app (the tenant proof)', () => {
  it('are signed with the key the tenant publishes and carry the claims Microsoft issues', async () => {
    const { idToken, claims, nonce } = await signInWithOidc(
      DEMO_TENANT.id,
      DEMO_TENANT.users.globalAdmin,
    );

    expect(await verifyWithJwks(idToken, DEMO_TENANT.id)).toBe(true);
    // A changed payload no longer verifies, so the check above can fail.
    const [h, , s] = idToken.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...claims, tid: DEMO_FABRIKAM_TENANT.id }),
    ).toString('base64url');
    expect(await verifyWithJwks(`${h}.${forged}.${s}`, DEMO_TENANT.id)).toBe(false);

    expect(claims).toMatchObject({
      aud: emu.apps.orgwide.clientId,
      iss: await issuerOf(DEMO_TENANT.id),
      tid: DEMO_TENANT.id,
      oid: idOf(DEMO_TENANT.id, DEMO_TENANT.users.globalAdmin),
      nonce,
      preferred_username: DEMO_TENANT.users.globalAdmin,
      name: 'Isaiah Langer',
      ver: '2.0',
      acct: 0,
    });
    expect(claims.iss).toBe(`${emu.authorityHost}/${DEMO_TENANT.id}/v2.0`);
    expect(typeof claims.sub).toBe('string');
    expect(claims.idp).toBeUndefined();
    const iat = Number(claims.iat);
    expect(Number(claims.nbf)).toBeLessThanOrEqual(iat);
    expect(Number(claims.exp)).toBeGreaterThan(iat);
    expect([...(claims.wids as string[])].sort()).toEqual(
      [DIRECTORY_ROLES.globalAdministrator, DIRECTORY_ROLES.user].sort(),
    );
  });

  it.each([
    [
      'privileged role administrator',
      DEMO_TENANT.users.privilegedRoleAdmin,
      'privilegedRoleAdministrator',
    ],
    ['application administrator', DEMO_TENANT.users.appAdmin, 'applicationAdministrator'],
    [
      'cloud application administrator',
      DEMO_TENANT.users.cloudAppAdmin,
      'cloudApplicationAdministrator',
    ],
  ] as const)('list the %s role in wids', async (_label, upn, role) => {
    const { claims } = await signInWithOidc(DEMO_TENANT.id, upn);
    expect([...(claims.wids as string[])].sort()).toEqual(
      [DIRECTORY_ROLES[role], DIRECTORY_ROLES.user].sort(),
    );
    expect(claims.wids).not.toContain(DIRECTORY_ROLES.globalAdministrator);
  });

  it('list only the default user role for an ordinary member', async () => {
    const { claims } = await signInWithOidc('organizations', DEMO_TENANT.users.member);
    expect(claims).toMatchObject({ tid: DEMO_TENANT.id, acct: 0, wids: [DIRECTORY_ROLES.user] });
  });

  it('name the resource tenant, acct 1 and the home idp for a guest signing in to Contoso', async () => {
    const { idToken, claims } = await signInWithOidc(
      DEMO_TENANT.id,
      DEMO_FABRIKAM_TENANT.users.member,
    );
    expect(await verifyWithJwks(idToken, DEMO_TENANT.id)).toBe(true);
    expect(claims).toMatchObject({
      iss: await issuerOf(DEMO_TENANT.id),
      tid: DEMO_TENANT.id,
      oid: idOf(DEMO_TENANT.id, DEMO_TENANT.users.guest),
      acct: 1,
      idp: `https://sts.windows.net/${DEMO_FABRIKAM_TENANT.id}/`,
      preferred_username: DEMO_FABRIKAM_TENANT.users.member,
      wids: [DIRECTORY_ROLES.guestUser],
    });
    expect(claims.idp).not.toBe(claims.iss);
  });

  it('put a user of another tenant who signs in at organizations in their own tenant', async () => {
    const { idToken, claims } = await signInWithOidc(
      'organizations',
      DEMO_FABRIKAM_TENANT.users.member,
    );
    expect(await verifyWithJwks(idToken, DEMO_FABRIKAM_TENANT.id)).toBe(true);
    expect(claims).toMatchObject({
      iss: await issuerOf(DEMO_FABRIKAM_TENANT.id),
      tid: DEMO_FABRIKAM_TENANT.id,
      oid: idOf(DEMO_FABRIKAM_TENANT.id, DEMO_FABRIKAM_TENANT.users.member),
      acct: 0,
      wids: [DIRECTORY_ROLES.user],
    });
    expect(claims.idp).toBeUndefined();
  });

  it("are refused with AADSTS50020 to a member of another tenant at Contoso's authority", async () => {
    const app = msalApp(emu, DEMO_TENANT.id);
    const url = await app.getAuthCodeUrl({
      scopes: ['openid', 'profile'],
      redirectUri: REDIRECT,
      prompt: 'select_account',
    });
    const outcome = await driveSignIn(url, DEMO_FABRIKAM_TENANT.users.notInvited);
    expect(outcome.status).toBe(400);
    expect(outcome.html).toContain('AADSTS50020');
    expect(outcome.html).toContain(`https://sts.windows.net/${DEMO_FABRIKAM_TENANT.id}/`);
    // An address no tenant knows is AADSTS50034 instead.
    const unknown = await driveSignIn(url, 'nobody@northwind.example');
    expect(unknown.html).toContain('AADSTS50034');
  });

  it('echo the nonce of each authorize request', async () => {
    const first = await signInWithOidc(DEMO_TENANT.id, DEMO_TENANT.users.admin);
    const second = await signInWithOidc(DEMO_TENANT.id, DEMO_TENANT.users.admin);
    expect(first.claims.nonce).toBe(first.nonce);
    expect(second.claims.nonce).toBe(second.nonce);
    expect(first.nonce).not.toBe(second.nonce);
  });
});

describe('ID tokens of the individual app', () => {
  it('carry neither wids nor acct, since its manifest asks for neither', async () => {
    const { claims } = await signInWithOidc(
      DEMO_TENANT.id,
      DEMO_TENANT.users.globalAdmin,
      'individual',
    );
    expect(claims.aud).toBe(emu.apps.individual.clientId);
    expect(claims.wids).toBeUndefined();
    expect(claims.acct).toBeUndefined();
  });

  it('gain wids and acct when the manifest is changed through the control API', async () => {
    await emu.control.setIdTokenClaims(
      { groupMembershipClaims: 'DirectoryRole', optionalIdTokenClaims: ['acct'] },
      { app: 'individual' },
    );
    try {
      const { claims } = await signInWithOidc(
        DEMO_TENANT.id,
        DEMO_TENANT.users.appAdmin,
        'individual',
      );
      expect(claims.wids).toContain(DIRECTORY_ROLES.applicationAdministrator);
      expect(claims.acct).toBe(0);
    } finally {
      await emu.control.setIdTokenClaims(
        { groupMembershipClaims: 'None', optionalIdTokenClaims: [] },
        { app: 'individual' },
      );
    }
  });
});

/**
 * The same sign-in with a plain token request (MSAL would stop a spoiled token itself), so the
 * test sees exactly the ID token the emulator issued.
 */
async function signInRaw(upn: string): Promise<Proof> {
  const verifier = randomBytes(32).toString('base64url');
  const nonce = randomBytes(16).toString('hex');
  const authorize = new URL(`${emu.authorityHost}/${DEMO_TENANT.id}/oauth2/v2.0/authorize`);
  authorize.search = new URLSearchParams({
    client_id: emu.apps.orgwide.clientId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'openid profile',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    prompt: 'select_account',
    nonce,
  }).toString();
  const outcome = await driveSignIn(authorize.toString(), upn);
  expect(outcome.status, outcome.html).toBe(302);
  const token = await fetch(`${emu.authorityHost}/${DEMO_TENANT.id}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: emu.apps.orgwide.clientId,
      client_secret: emu.apps.orgwide.clientSecret,
      grant_type: 'authorization_code',
      code: outcome.location?.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      scope: 'openid profile',
    }),
  });
  expect(token.status).toBe(200);
  const idToken = ((await token.json()) as { id_token: string }).id_token;
  return { idToken, claims: decodePayload(idToken), nonce };
}

describe('ID token faults (what a forger or a replay would present)', () => {
  const signIn = () => signInRaw(DEMO_TENANT.users.globalAdmin);

  it('spoils the next ID token in the way asked, then issues good ones again', async () => {
    const good = await signIn();
    expect(await verifyWithJwks(good.idToken, DEMO_TENANT.id)).toBe(true);

    await emu.control.setIdTokenFault('replay');
    const replayed = await signIn();
    expect(replayed.idToken).toBe(good.idToken);
    expect(replayed.claims.nonce).not.toBe(replayed.nonce);

    await emu.control.setIdTokenFault('expired');
    const expired = await signIn();
    expect(await verifyWithJwks(expired.idToken, DEMO_TENANT.id)).toBe(true);
    expect(Number(expired.claims.exp)).toBeLessThan(Math.floor(emu.state.nowMs() / 1000));

    await emu.control.setIdTokenFault('foreign_signature');
    const forged = await signIn();
    expect(await verifyWithJwks(forged.idToken, DEMO_TENANT.id)).toBe(false);
    expect(forged.claims.nonce).toBe(forged.nonce);

    await emu.control.setIdTokenFault('wrong_audience');
    const elsewhere = await signIn();
    expect(elsewhere.claims.aud).not.toBe(emu.apps.orgwide.clientId);

    await emu.control.setIdTokenFault('wrong_nonce', 2);
    expect((await signIn()).claims.nonce).not.toBe(undefined);
    const second = await signIn();
    expect(second.claims.nonce).not.toBe(second.nonce);

    const healthy = await signIn();
    expect(await verifyWithJwks(healthy.idToken, DEMO_TENANT.id)).toBe(true);
    expect(healthy.claims.nonce).toBe(healthy.nonce);
  });

  it('refuses an unknown fault kind', async () => {
    const res = await fetch(`${emu.baseUrl}/_emulator/id-token-fault`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'bogus' }),
    });
    expect(res.status).toBe(400);
  });
});
