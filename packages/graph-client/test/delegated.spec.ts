import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import {
  DelegatedAuth,
  IdentityError,
  sha256Hex,
  type DelegatedTokens,
  type MicrosoftGraph,
} from '../src/index';
import { buildGraph, decodePayload, rejectionOf } from './helpers';

const REDIRECT = 'https://rox.example.test/integrations/outlook/callback';
const SCOPES = [
  'openid',
  'profile',
  'offline_access',
  'User.Read',
  'Mail.Read',
  'Calendars.ReadWrite',
];
let emu: RunningEmulator;
let graph: MicrosoftGraph;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo', app: { redirectUris: [REDIRECT] } });
  graph = buildGraph(emu);
});

afterAll(async () => {
  await emu.stop();
});

/** Signs the user in on the emulated pages like a browser, accepting consent; returns the code. */
async function authorize(
  state: string,
  codeChallenge: string,
  upn: string,
  nonce?: string,
): Promise<string> {
  const url = graph.delegated.authorizeUrl({
    tenant: 'organizations',
    scopes: SCOPES,
    redirectUri: REDIRECT,
    state,
    codeChallenge,
    ...(nonce ? { nonce } : {}),
  });
  expect((await fetch(url)).status).toBe(200);
  let answer = await fetch(url, {
    method: 'POST',
    body: new URLSearchParams({ action: 'signin', user: upn }),
    redirect: 'manual',
  });
  if (answer.status !== 302) {
    answer = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({ action: 'accept', user: upn }),
      redirect: 'manual',
    });
  }
  expect(answer.status).toBe(302);
  const location = new URL(answer.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  expect(location.searchParams.get('state')).toBe(state);
  return location.searchParams.get('code') ?? '';
}

async function connect(upn: string = DEMO_TENANT.users.member): Promise<DelegatedTokens> {
  const pkce = DelegatedAuth.createPkce();
  const code = await authorize('st', pkce.codeChallenge, upn);
  return graph.delegated.redeemCode({
    tenant: 'organizations',
    code,
    codeVerifier: pkce.codeVerifier,
    redirectUri: REDIRECT,
    scopes: SCOPES,
  });
}

describe('DelegatedAuth against the emulator', () => {
  it('redeems an authorization code with PKCE and exposes the refresh token', async () => {
    const tokens = await connect();

    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens).toMatchObject({ tenantId: DEMO_TENANT.id, username: DEMO_TENANT.users.member });
    expect(decodePayload(tokens.accessToken)).toMatchObject({ idtyp: 'user', oid: tokens.userId });
    expect(tokens.scopes).toEqual(expect.arrayContaining(['Mail.Read', 'Calendars.ReadWrite']));
  });

  it('returns the ID token, which carries the nonce and verifies with OidcSignIn', async () => {
    const pkce = DelegatedAuth.createPkce();
    const code = await authorize('st-n', pkce.codeChallenge, DEMO_TENANT.users.member, 'nonce-1');
    const tokens = await graph.delegated.redeemCode({
      tenant: 'organizations',
      code,
      codeVerifier: pkce.codeVerifier,
      redirectUri: REDIRECT,
      scopes: SCOPES,
      nonce: 'nonce-1',
    });

    expect(decodePayload(tokens.idToken ?? '')).toMatchObject({ nonce: 'nonce-1' });
    const verified = await graph.signIn.verify(tokens.idToken ?? '', {
      tenantId: DEMO_TENANT.id,
      nonceSha256: sha256Hex('nonce-1'),
    });
    expect(verified).toMatchObject({
      tenantId: DEMO_TENANT.id,
      username: DEMO_TENANT.users.member,
    });
    await expect(
      graph.signIn.verify(tokens.idToken ?? '', {
        tenantId: DEMO_TENANT.id,
        nonceSha256: sha256Hex('another'),
      }),
    ).rejects.toMatchObject({ problem: 'nonce' });
  });

  it('refreshes with rotation: a new refresh token every time, usable for Graph calls', async () => {
    const connected = await connect();

    const refreshed = await graph.delegated.refresh({
      tenant: DEMO_TENANT.id,
      refreshToken: connected.refreshToken ?? '',
      scopes: SCOPES,
    });

    expect(refreshed.refreshToken).toEqual(expect.any(String));
    expect(refreshed.refreshToken).not.toBe(connected.refreshToken);
    const client = graph.forDelegatedToken(
      () => Promise.resolve(refreshed.accessToken),
      `${DEMO_TENANT.id}:${refreshed.userId ?? ''}`,
    );
    expect(
      await client.get<{ id: string }>('/me/mailFolders/inbox', { query: { $select: 'id' } }),
    ).toHaveProperty('id');
  });

  it('rejects a second redemption of the same code and a wrong verifier as invalid_authorization_code', async () => {
    const pkce = DelegatedAuth.createPkce();
    const code = await authorize('st', pkce.codeChallenge, DEMO_TENANT.users.member);
    const input = { tenant: 'organizations', code, redirectUri: REDIRECT, scopes: SCOPES };

    const wrongVerifier = await rejectionOf(
      graph.delegated.redeemCode({
        ...input,
        codeVerifier: DelegatedAuth.createPkce().codeVerifier,
      }),
    );
    expect(wrongVerifier).toBeInstanceOf(IdentityError);
    expect(wrongVerifier).toMatchObject({ kind: 'invalid_authorization_code', aadsts: 501481 });

    const second = DelegatedAuth.createPkce();
    const code2 = await authorize('st2', second.codeChallenge, DEMO_TENANT.users.member);
    const redeem = () =>
      graph.delegated.redeemCode({ ...input, code: code2, codeVerifier: second.codeVerifier });
    await redeem();
    expect(await rejectionOf(redeem())).toMatchObject({
      kind: 'invalid_authorization_code',
      aadsts: 54005,
    });
  });

  it('maps an expired refresh token to interaction_required and revoked consent to consent_required', async () => {
    const connected = await connect();
    const refreshInput = {
      tenant: DEMO_TENANT.id,
      refreshToken: connected.refreshToken ?? '',
      scopes: SCOPES,
    };

    await emu.control.revokeDelegated(DEMO_TENANT.id, DEMO_TENANT.users.member, 'Mail.Read');
    const noConsent = await rejectionOf(graph.delegated.refresh(refreshInput));
    expect(noConsent).toMatchObject({
      kind: 'consent_required',
      aadsts: 65001,
      isReauthenticationRequired: true,
    });

    await emu.control.grantDelegated(DEMO_TENANT.id, DEMO_TENANT.users.member, ['Mail.Read']);
    await emu.control.expireRefreshTokens(DEMO_TENANT.id);
    const expired = await rejectionOf(graph.delegated.refresh(refreshInput));
    expect(expired).toMatchObject({
      kind: 'interaction_required',
      aadsts: 700082,
      isReauthenticationRequired: true,
    });
  });
});
