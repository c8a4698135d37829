import { createHash, randomBytes } from 'node:crypto';

import { ConfidentialClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';
import { decodePayload, msalApp, startReceiver } from './helpers';

const REDIRECT = 'http://localhost:3000/auth/callback';
let emu: RunningEmulator;

// Delegated flows belong to the individual app; its grants are separate from the org-wide app's.
const INDIVIDUAL = { app: 'individual' } as const;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo' });
  await emu.control.addRedirectUri(REDIRECT, INDIVIDUAL);
});

afterAll(async () => {
  await emu.stop();
});

function delegatedApp(): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: emu.apps.individual.clientId,
      clientSecret: emu.apps.individual.clientSecret,
      authority: `${emu.authorityHost}/organizations`,
      knownAuthorities: [new URL(emu.authorityHost).host],
    },
  });
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** An authorization URL with a fresh S256 PKCE challenge, and the verifier that redeems its code. */
async function pkceAuthUrl(
  app: ConfidentialClientApplication,
  scopes: string[],
  state?: string,
): Promise<{ url: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const url = await app.getAuthCodeUrl({
    scopes,
    redirectUri: REDIRECT,
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    ...(state ? { state } : {}),
  });
  return { url, verifier };
}

/** The authorization code a sign-in redirect carries. */
function codeOf(res: Response): string {
  return new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
}

/** Drives the emulated sign-in pages like a browser would: pick the user, then act on the consent page. */
async function signIn(
  authUrl: string,
  upn: string,
  then?: Record<string, string>,
): Promise<Response> {
  const picker = await fetch(authUrl);
  expect(picker.status).toBe(200);
  const signedIn = await fetch(authUrl, {
    method: 'POST',
    body: new URLSearchParams({ action: 'signin', user: upn }),
    redirect: 'manual',
  });
  if (!then || signedIn.status === 302) return signedIn;
  return fetch(authUrl, {
    method: 'POST',
    body: new URLSearchParams({ user: upn, ...then }),
    redirect: 'manual',
  });
}

describe('authorization code + PKCE with real MSAL', () => {
  const scopes = [
    'https://graph.microsoft.com/Mail.Read',
    'https://graph.microsoft.com/Calendars.ReadWrite',
  ];

  it('signs a user in, asks for consent, and redeems the code with the PKCE verifier', async () => {
    const app = delegatedApp();
    const { url, verifier } = await pkceAuthUrl(app, scopes, 'abc');
    expect(url.startsWith(`${emu.authorityHost}/organizations/oauth2/v2.0/authorize?`)).toBe(true);
    const consentPage = await signIn(url, DEMO_TENANT.users.member);
    expect(consentPage.status).toBe(200);
    const html = await consentPage.text();
    expect(html).toContain('id="consent-accept"');
    expect(html).toContain('data-permission="Mail.Read"');
    const accepted = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({ action: 'accept', user: DEMO_TENANT.users.member }),
      redirect: 'manual',
    });
    expect(accepted.status).toBe(302);
    const loc = new URL(accepted.headers.get('location') ?? '');
    expect(loc.searchParams.get('state')).toBe('abc');
    const code = loc.searchParams.get('code') ?? '';

    const result = await app.acquireTokenByCode({
      code,
      scopes,
      redirectUri: REDIRECT,
      codeVerifier: verifier,
    });
    const claims = decodePayload(result.accessToken);
    expect(claims).toMatchObject({
      tid: DEMO_TENANT.id,
      idtyp: 'user',
      upn: DEMO_TENANT.users.member,
    });
    expect(String(claims.scp).split(' ')).toEqual(
      expect.arrayContaining(['Mail.Read', 'Calendars.ReadWrite']),
    );
    expect(result.account?.homeAccountId).toBe(`${String(claims.oid)}.${DEMO_TENANT.id}`);
    expect(result.idTokenClaims).toMatchObject({
      tid: DEMO_TENANT.id,
      preferred_username: DEMO_TENANT.users.member,
    });

    // A second redemption of the same code fails with AADSTS54005.
    const reused = await app
      .acquireTokenByCode({ code, scopes, redirectUri: REDIRECT, codeVerifier: verifier })
      .then(
        () => undefined,
        (e: unknown) => e as { errorCode: string; errorMessage: string },
      );
    expect(reused?.errorCode).toBe('invalid_grant');
    expect(reused?.errorMessage).toContain('AADSTS54005');

    // Silent renewal uses the refresh token, which rotates.
    const cache = JSON.parse(app.getTokenCache().serialize()) as {
      RefreshToken: Record<string, { secret: string }>;
    };
    const rtBefore = Object.values(cache.RefreshToken)[0]?.secret;
    const silent = await app.acquireTokenSilent({
      account:
        result.account ??
        (() => {
          throw new Error('no account');
        })(),
      scopes,
      forceRefresh: true,
    });
    expect(decodePayload(silent.accessToken).upn).toBe(DEMO_TENANT.users.member);
    const after = JSON.parse(app.getTokenCache().serialize()) as {
      RefreshToken: Record<string, { secret: string }>;
    };
    expect(Object.values(after.RefreshToken)[0]?.secret).not.toBe(rtBefore);
  });

  it('answers prompt=none with login_required without a session, and with a code once signed in', async () => {
    const app = delegatedApp();
    const url = await app.getAuthCodeUrl({
      scopes,
      redirectUri: REDIRECT,
      prompt: 'none',
      state: 'silent',
    });
    const anonymous = await fetch(url, { redirect: 'manual' });
    const loc = new URL(anonymous.headers.get('location') ?? '');
    expect(loc.searchParams.get('error')).toBe('login_required');
    expect(loc.searchParams.get('state')).toBe('silent');
    const interactive = await app.getAuthCodeUrl({ scopes, redirectUri: REDIRECT });
    const signedIn = await signIn(interactive, DEMO_TENANT.users.member);
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const silent = await fetch(url, { redirect: 'manual', headers: { cookie } });
    expect(codeOf(silent)).toBeTruthy();
  });

  it('rejects a wrong code_verifier with AADSTS501481', async () => {
    const app = delegatedApp();
    const { url } = await pkceAuthUrl(app, scopes);
    const res = await signIn(url, DEMO_TENANT.users.member);
    // Megan consented in the previous test, so the code comes back straight away.
    const code = codeOf(res);
    const error = await app
      .acquireTokenByCode({ code, scopes, redirectUri: REDIRECT, codeVerifier: pkce().verifier })
      .then(
        () => undefined,
        (e: unknown) => e as { errorCode: string; errorMessage: string },
      );
    expect(error?.errorMessage).toContain('AADSTS501481');
  });

  it('answers AADSTS700082 for a refresh token idle past its lifetime and 65001 when consent is gone', async () => {
    const app = delegatedApp();
    const { url, verifier } = await pkceAuthUrl(app, scopes);
    const res = await signIn(url, DEMO_TENANT.users.member);
    const code = codeOf(res);
    const result = await app.acquireTokenByCode({
      code,
      scopes,
      redirectUri: REDIRECT,
      codeVerifier: verifier,
    });
    const account = result.account;
    if (!account) throw new Error('no account');
    await emu.control.revokeDelegated(
      DEMO_TENANT.id,
      DEMO_TENANT.users.member,
      'Mail.Read',
      INDIVIDUAL,
    );
    const noConsent = await app.acquireTokenSilent({ account, scopes, forceRefresh: true }).then(
      () => undefined,
      (e: unknown) => e as { errorCode: string; errorMessage: string; subError: string },
    );
    expect(noConsent?.errorMessage).toContain('AADSTS65001');
    await emu.control.grantDelegated(
      DEMO_TENANT.id,
      DEMO_TENANT.users.member,
      ['Mail.Read'],
      INDIVIDUAL,
    );
    await emu.control.expireRefreshTokens(DEMO_TENANT.id);
    const expired = await app.acquireTokenSilent({ account, scopes, forceRefresh: true }).then(
      () => undefined,
      (e: unknown) => e as { errorCode: string; errorMessage: string },
    );
    expect(expired?.errorMessage).toContain('AADSTS700082');
  });
});

describe('delegated Graph calls', () => {
  it('reach /me and the signed-in mailbox only', async () => {
    const app = delegatedApp();
    const scopes = ['User.Read', 'Mail.Read'];
    const { url, verifier } = await pkceAuthUrl(app, scopes);
    const consent = await signIn(url, 'grady.archie@contoso.com', { action: 'accept' });
    const code = codeOf(consent);
    const { accessToken } = await app.acquireTokenByCode({
      code,
      scopes,
      redirectUri: REDIRECT,
      codeVerifier: verifier,
    });
    const get = (path: string): Promise<Response> =>
      fetch(`${emu.graphBaseUrl}/v1.0${path}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
    const me = (await (await get('/me')).json()) as { userPrincipalName: string };
    expect(me.userPrincipalName).toBe('grady.archie@contoso.com');
    expect((await get('/me/mailFolders/inbox/messages?$top=2')).status).toBe(200);
    const other = await get(`/users/${DEMO_TENANT.users.member}/messages`);
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe(
      'ErrorAccessDenied',
    );
    // No calendar scope was consented for this user.
    expect((await get('/me/events')).status).toBe(403);
  });
});

describe('subscriptions made with delegated tokens', () => {
  it('are listed to, read and deleted by the user who made them only; the app token lists them all', async () => {
    const receiver = await startReceiver(emu);
    try {
      const app = delegatedApp();
      const scopes = ['User.Read', 'Mail.Read'];
      const tokenOf = async (upn: string): Promise<string> => {
        const { url, verifier } = await pkceAuthUrl(app, scopes);
        const consent = await signIn(url, upn, { action: 'accept' });
        const result = await app.acquireTokenByCode({
          code: codeOf(consent),
          scopes,
          redirectUri: REDIRECT,
          codeVerifier: verifier,
        });
        return result.accessToken;
      };
      const call = (token: string, path: string, body?: unknown): Promise<Response> =>
        fetch(`${emu.graphBaseUrl}/v1.0${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      const subscribe = async (token: string): Promise<string> => {
        const res = await call(token, '/subscriptions', {
          changeType: 'created',
          notificationUrl: `${receiver.url}/hook`,
          resource: "me/mailFolders('inbox')/messages",
          expirationDateTime: new Date(Date.now() + 60 * 60_000).toISOString(),
        });
        expect(res.status).toBe(201);
        return ((await res.json()) as { id: string }).id;
      };
      const listed = async (token: string): Promise<string[]> =>
        ((await (await call(token, '/subscriptions')).json()) as { value: { id: string }[] }).value
          .map((s) => s.id)
          .sort();
      const grady = await tokenOf('grady.archie@contoso.com');
      const megan = await tokenOf('megan.bowen@contoso.com');
      const gradys = await subscribe(grady);
      const megans = await subscribe(megan);
      expect(await listed(grady)).toEqual([gradys]);
      expect(await listed(megan)).toEqual([megans]);
      // The same app calling as itself sees every user's.
      const appOnly = await msalApp(
        emu,
        DEMO_TENANT.id,
        'secret',
        'individual',
      ).acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
      });
      expect(await listed(appOnly?.accessToken ?? '')).toEqual([gradys, megans].sort());
      // Nor can one user renew or delete another's: it is unknown to them.
      const remove = (token: string, id: string): Promise<Response> =>
        fetch(`${emu.graphBaseUrl}/v1.0/subscriptions/${id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
        });
      expect((await remove(megan, gradys)).status).toBe(404);
      expect((await call(megan, `/subscriptions/${gradys}`)).status).toBe(404);
      expect((await remove(grady, gradys)).status).toBe(204);
      expect(await listed(appOnly?.accessToken ?? '')).toEqual([megans]);
    } finally {
      await receiver.close();
    }
  });
});

describe('user consent and the service principal', () => {
  it('creates the enterprise app, so client credentials then get a token without roles instead of AADSTS700016', async () => {
    await emu.control.createTenant({ domain: 'adatum' });
    const upn = emu.state.findTenant('adatum.com')?.users.at(0)?.userPrincipalName ?? '';
    const cc = (): Promise<unknown> =>
      msalApp(emu, 'adatum.com', 'secret', 'individual').acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
        skipCache: true,
      });
    const before = await cc().then(
      () => undefined,
      (e: unknown) => e as { errorMessage: string },
    );
    expect(before?.errorMessage).toContain('AADSTS700016');
    const app = delegatedApp();
    const url = await app.getAuthCodeUrl({ scopes: ['User.Read'], redirectUri: REDIRECT });
    const res = await signIn(url, upn, { action: 'accept' });
    expect(res.status).toBe(302);
    const after = (await cc()) as { accessToken: string };
    expect(decodePayload(after.accessToken).roles).toBeUndefined();
  });
});

describe('consent policies', () => {
  const adminScopes = ['https://graph.microsoft.com/User.Read.All'];

  it('shows "Need admin approval" to a user asking for an admin-only scope, and redirects access_denied', async () => {
    const app = delegatedApp();
    const url = await app.getAuthCodeUrl({
      scopes: adminScopes,
      redirectUri: REDIRECT,
      state: 's',
    });
    const page = await signIn(url, 'alex.wilber@contoso.com');
    const html = await page.text();
    expect(html).toContain('id="need-admin-approval"');
    const back = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({ action: 'cancel', user: 'alex.wilber@contoso.com' }),
      redirect: 'manual',
    });
    const loc = new URL(back.headers.get('location') ?? '');
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('state')).toBe('s');
  });

  it('with the admin consent workflow on, files a request that an admin approves in the portal, granting tenant-wide', async () => {
    await emu.control.setConsentPolicy(DEMO_TENANT.id, {
      userConsent: 'notAllowed',
      adminConsentWorkflow: true,
    });
    const app = delegatedApp();
    const url = await app.getAuthCodeUrl({
      scopes: ['https://graph.microsoft.com/Calendars.Read'],
      redirectUri: REDIRECT,
    });
    const page = await signIn(url, 'adele.vance@contoso.com');
    expect(await page.text()).toContain('id="approval-required"');
    const filed = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({
        action: 'request',
        user: 'adele.vance@contoso.com',
        justification: 'I need my calendar in Rox',
      }),
    });
    expect(await filed.text()).toContain('id="request-sent"');
    const requests = await emu.control.consentRequests(DEMO_TENANT.id);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      status: 'InProgress',
      justification: 'I need my calendar in Rox',
    });

    const review = `${emu.baseUrl}/portal/${DEMO_TENANT.id}/consent-requests/${requests[0]?.id ?? ''}`;
    expect(await (await fetch(review)).text()).toContain('id="review-permissions-consent"');
    const approved = await fetch(`${review}/consent`, {
      method: 'POST',
      body: new URLSearchParams({ action: 'accept' }),
      redirect: 'manual',
    });
    expect(approved.status).toBe(303);
    const summary = await emu.control.tenant(DEMO_TENANT.id);
    expect(summary.delegatedGrantsByApp[emu.apps.individual.clientId]?.['AllPrincipals']).toContain(
      'Calendars.Read',
    );
    // The org-wide app's grants are untouched by the individual app's consent request.
    expect(summary.delegatedGrants['AllPrincipals']).toBeUndefined();
    expect((await emu.control.consentRequests(DEMO_TENANT.id))[0]?.status).toBe('Completed');
    // Now the user gets a code without a consent page.
    const again = await signIn(url, 'adele.vance@contoso.com');
    expect(again.status).toBe(302);
    expect(codeOf(again)).toBeTruthy();
  });
});
