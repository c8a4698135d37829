import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { type GraphClientConfig } from './config';
import { DelegatedAuth, parseCallback } from './delegated-auth';

const config: GraphClientConfig = {
  authorityHost: 'https://login.example.test:9443/',
  graphBaseUrl: 'https://graph.example.test',
  clientId: '929e5802-e473-45d3-b032-44977407583c',
  credential: { kind: 'secret', secret: 's' },
};
const auth = new DelegatedAuth(config);

describe('DelegatedAuth URLs', () => {
  it('builds the v2 admin-consent URL with the .default scope', () => {
    const url = new URL(
      auth.adminConsentUrl({
        tenant: 'contoso.onmicrosoft.com',
        redirectUri: 'https://rox.test/cb',
        state: 's1',
      }),
    );

    expect(`${url.origin}${url.pathname}`).toBe(
      'https://login.example.test:9443/contoso.onmicrosoft.com/v2.0/adminconsent',
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: config.clientId,
      scope: 'https://graph.microsoft.com/.default',
      redirect_uri: 'https://rox.test/cb',
      state: 's1',
    });
  });

  it('builds the authorize URL with PKCE, prompt and login hint', () => {
    const url = new URL(
      auth.authorizeUrl({
        tenant: 'organizations',
        scopes: ['openid', 'offline_access', 'Calendars.Read'],
        redirectUri: 'https://rox.test/cb',
        state: 'st',
        codeChallenge: 'ch',
        prompt: 'select_account',
        loginHint: 'ana@contoso.com',
        nonce: 'n-42',
      }),
    );

    expect(url.pathname).toBe('/organizations/oauth2/v2.0/authorize');
    expect(url.searchParams.get('nonce')).toBe('n-42');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('scope')).toBe('openid offline_access Calendars.Read');
    expect(url.searchParams.get('code_challenge')).toBe('ch');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('prompt')).toBe('select_account');
    expect(url.searchParams.get('login_hint')).toBe('ana@contoso.com');
  });

  it('creates a PKCE pair whose challenge is the S256 of the verifier', () => {
    const pair = DelegatedAuth.createPkce();

    expect(pair.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.codeChallenge).toBe(
      createHash('sha256').update(pair.codeVerifier).digest('base64url'),
    );
    expect(DelegatedAuth.createPkce().codeVerifier).not.toBe(pair.codeVerifier);
  });
});

describe('parseCallback', () => {
  it('reads a successful admin consent', () => {
    expect(
      parseCallback(
        new URLSearchParams(
          'admin_consent=True&tenant=t-1&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&state=s',
        ),
      ),
    ).toEqual({
      ok: true,
      state: 's',
      tenant: 't-1',
      code: null,
      scope: 'https://graph.microsoft.com/.default',
    });
  });

  it('reads a code', () => {
    expect(parseCallback({ code: 'c', state: 's' })).toMatchObject({
      ok: true,
      code: 'c',
      state: 's',
    });
  });

  it('turns an error redirect into an IdentityError and detects cancel', () => {
    const result = parseCallback(
      new URLSearchParams(
        'error=access_denied&error_subcode=cancel&error_description=AADSTS65004%3a+The+resource+owner+denied+the+request.%0d%0aTrace+ID%3a+x&state=s',
      ),
    );

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.isCancelled).toBe(true);
    expect(result.error).toMatchObject({
      aadsts: 65004,
      kind: 'consent_declined',
      error: 'access_denied',
    });
    expect(result.error.message).not.toContain('Trace ID');
  });
});
