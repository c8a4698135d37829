import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';

import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import {
  canGrantApplicationPermissions,
  DelegatedAuth,
  DIRECTORY_ROLE,
  IdentityError,
  IdTokenRejectedError,
  sha256Hex,
  type MicrosoftGraph,
} from '../src/index';
import { buildGraph, decodePayload, rejectionOf } from './helpers';

const REDIRECT = 'https://rox.example.test/api/v1/orgwide/consent/callback';
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    seed: 'demo',
    tls: true,
    apps: { orgwide: { redirectUris: [REDIRECT] } },
  });
});
afterAll(() => emu.stop());

/** Signs `user` in on the emulated pages as a browser would; returns the code and the nonce. */
async function signIn(graph: MicrosoftGraph, user: string) {
  const nonce = randomBytes(32).toString('base64url');
  const pkce = DelegatedAuth.createPkce();
  const url = graph.signIn.authorizeUrl({
    tenant: DEMO_TENANT.id,
    redirectUri: REDIRECT,
    state: 'st',
    nonce,
    codeChallenge: pkce.codeChallenge,
  });
  expect((await fetch(url)).status).toBe(200);
  const res = await fetch(url, {
    method: 'POST',
    body: new URLSearchParams({ action: 'signin', user }),
    redirect: 'manual',
  });
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
  return { code, nonce, codeVerifier: pkce.codeVerifier };
}

async function completeAs(graph: MicrosoftGraph, user: string) {
  const { code, nonce, codeVerifier } = await signIn(graph, user);
  return graph.signIn.complete({
    tenantId: DEMO_TENANT.id,
    code,
    codeVerifier,
    redirectUri: REDIRECT,
    nonceSha256: sha256Hex(nonce),
  });
}

describe('OidcSignIn', () => {
  it('builds an authorize URL asking for openid and profile only, with PKCE, nonce and a picker', () => {
    const graph = buildGraph(emu);
    const url = new URL(
      graph.signIn.authorizeUrl({
        tenant: DEMO_TENANT.id,
        redirectUri: REDIRECT,
        state: 's',
        nonce: 'n',
        codeChallenge: 'c',
        loginHint: 'a@b.c',
      }),
    );
    expect(url.pathname).toBe(`/${DEMO_TENANT.id}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: emu.apps.orgwide.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT,
      response_mode: 'query',
      scope: 'openid profile',
      state: 's',
      nonce: 'n',
      code_challenge: 'c',
      code_challenge_method: 'S256',
      prompt: 'select_account',
      login_hint: 'a@b.c',
    });
  });

  it.each(['secret', 'certificate'] as const)(
    'redeems the code with a %s and returns the verified admin',
    async (credentialKind) => {
      const graph = buildGraph(emu, { credentialKind });
      const admin = await completeAs(graph, DEMO_TENANT.users.globalAdmin);
      expect(admin).toMatchObject({
        tenantId: DEMO_TENANT.id,
        username: DEMO_TENANT.users.globalAdmin,
        isGuest: false,
      });
      expect(admin.roleTemplateIds).toContain(DIRECTORY_ROLE.globalAdministrator);
      expect(canGrantApplicationPermissions(admin)).toBe(true);
    },
  );

  it.each([
    [DEMO_TENANT.users.privilegedRoleAdmin, true, false],
    [DEMO_TENANT.users.appAdmin, false, false],
    [DEMO_TENANT.users.cloudAppAdmin, false, false],
    [DEMO_TENANT.users.member, false, false],
    [DEMO_TENANT.users.guest, false, true],
  ])('%s: may grant app permissions %s, guest %s', async (user, mayGrant, isGuest) => {
    const admin = await completeAs(buildGraph(emu), user);
    expect(canGrantApplicationPermissions(admin)).toBe(mayGrant);
    expect(admin.isGuest).toBe(isGuest);
  });

  it('refuses a nonce that is not the one sent, and a code redeemed twice', async () => {
    const graph = buildGraph(emu);
    const { code, codeVerifier } = await signIn(graph, DEMO_TENANT.users.globalAdmin);
    const input = { tenantId: DEMO_TENANT.id, code, codeVerifier, redirectUri: REDIRECT };
    const wrongNonce = await rejectionOf(
      graph.signIn.complete({ ...input, nonceSha256: sha256Hex('another') }),
    );
    expect(wrongNonce).toBeInstanceOf(IdTokenRejectedError);
    expect((wrongNonce as IdTokenRejectedError).problem).toBe('nonce');
    const again = await rejectionOf(
      graph.signIn.complete({ ...input, nonceSha256: sha256Hex('another') }),
    );
    expect(again).toBeInstanceOf(IdentityError);
    expect((again as IdentityError).error).toBe('invalid_grant');
  });

  it('refuses a token re-signed with another key, another audience, another tenant, and an expired one', async () => {
    const graph = buildGraph(emu);
    const { code, nonce, codeVerifier } = await signIn(graph, DEMO_TENANT.users.globalAdmin);
    // A genuine token to tamper with: same claims, signed by a key Microsoft does not publish.
    const res = await fetch(`${emu.authorityHost}/${DEMO_TENANT.id}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: emu.apps.orgwide.clientId,
        client_secret: emu.apps.orgwide.clientSecret,
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: codeVerifier,
        scope: 'openid profile',
      }),
    });
    const genuine = ((await res.json()) as { id_token: string }).id_token;
    const claims = decodePayload(genuine);
    const expected = { tenantId: DEMO_TENANT.id, nonceSha256: sha256Hex(nonce) };
    await expect(graph.signIn.verify(genuine, expected)).resolves.toMatchObject({
      tenantId: DEMO_TENANT.id,
    });

    const kid = JSON.parse(Buffer.from(genuine.split('.')[0] ?? '', 'base64url').toString())
      .kid as string;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(privateKey);
    const problems = async (token: string, exp = expected) =>
      ((await rejectionOf(graph.signIn.verify(token, exp))) as IdTokenRejectedError).problem;
    expect(await problems(forged)).toBe('signature');
    // Another tenant than the one expected: its own discovery names another issuer and keys.
    expect(
      await rejectionOf(
        graph.signIn.verify(genuine, { ...expected, tenantId: DEMO_TENANT.initialDomain }),
      ),
    ).toBeInstanceOf(IdTokenRejectedError);

    await emu.control.setIdTokenFault('expired');
    const expired = await signIn(graph, DEMO_TENANT.users.globalAdmin);
    const expiredResult = await rejectionOf(
      graph.signIn.complete({
        tenantId: DEMO_TENANT.id,
        code: expired.code,
        codeVerifier: expired.codeVerifier,
        redirectUri: REDIRECT,
        nonceSha256: sha256Hex(expired.nonce),
      }),
    );
    expect((expiredResult as IdTokenRejectedError).problem).toBe('expired');

    await emu.control.setIdTokenFault('wrong_audience');
    const other = await signIn(graph, DEMO_TENANT.users.globalAdmin);
    const audience = await rejectionOf(
      graph.signIn.complete({
        tenantId: DEMO_TENANT.id,
        code: other.code,
        codeVerifier: other.codeVerifier,
        redirectUri: REDIRECT,
        nonceSha256: createHash('sha256').update(other.nonce).digest('hex'),
      }),
    );
    expect((audience as IdTokenRejectedError).problem).toBe('audience');
  });
});
