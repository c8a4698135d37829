import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import { IdentityError, parseCallback } from '../src/index';
import { buildGraph, decodePayload, rejectionOf } from './helpers';

let emu: RunningEmulator;
const REDIRECT = 'https://rox.example.test/integrations/microsoft/callback';

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo', app: { redirectUris: [REDIRECT] } });
});

afterAll(async () => {
  await emu.stop();
});

describe('AppTokenProvider against the emulator', () => {
  it('fails with AADSTS700016 (app_not_consented) before admin consent, then issues a token with the granted roles', async () => {
    const graph = buildGraph(emu);

    const before = await rejectionOf(graph.appTokens.getToken(DEMO_TENANT.id));
    expect(before).toBeInstanceOf(IdentityError);
    expect(before).toMatchObject({
      kind: 'app_not_consented',
      aadsts: 700016,
      error: 'unauthorized_client',
    });

    await emu.control.adminConsent(DEMO_TENANT.id);
    const token = await graph.appTokens.getToken(DEMO_TENANT.id);

    expect(decodePayload(token.accessToken)).toMatchObject({
      tid: DEMO_TENANT.id,
      idtyp: 'app',
      appidacr: '1',
    });
    expect([...token.roles].sort()).toEqual([...emu.apps.orgwide.applicationPermissions].sort());
  });

  it('authenticates with the certificate (signed client assertion)', async () => {
    await emu.control.adminConsent(DEMO_TENANT.id);
    const graph = buildGraph(emu, { credentialKind: 'certificate' });

    const token = await graph.appTokens.getToken(DEMO_TENANT.id);

    expect(decodePayload(token.accessToken)).toMatchObject({ tid: DEMO_TENANT.id, appidacr: '2' });
  });

  it('accepts the verified domain as the tenant', async () => {
    await emu.control.adminConsent(DEMO_TENANT.id);
    const token = await buildGraph(emu).appTokens.getToken(DEMO_TENANT.verifiedDomain);

    expect(decodePayload(token.accessToken).tid).toBe(DEMO_TENANT.id);
  });

  it('reads a partial grant from a fresh token after a role is revoked', async () => {
    await emu.control.adminConsent(DEMO_TENANT.id);
    const graph = buildGraph(emu);
    expect(await graph.appTokens.grantedRoles(DEMO_TENANT.id)).toContain('Mail.Send');

    await emu.control.revokeRole(DEMO_TENANT.id, 'Mail.Send');
    const roles = await graph.appTokens.grantedRoles(DEMO_TENANT.id);

    expect(roles).not.toContain('Mail.Send');
    expect(roles).toContain('Mail.Read');
    await emu.control.adminConsent(DEMO_TENANT.id);
  });

  it('classifies a wrong client secret as invalid_client_credentials (AADSTS7000215)', async () => {
    const graph = buildGraph(emu, { credential: { kind: 'secret', secret: 'not-the-secret' } });

    const error = await rejectionOf(graph.appTokens.getToken(DEMO_TENANT.id));

    expect(error).toMatchObject({ kind: 'invalid_client_credentials', aadsts: 7000215 });
    expect(String(error)).not.toContain('not-the-secret');
  });

  it('classifies an unknown tenant as tenant_not_found (AADSTS90002)', async () => {
    const graph = buildGraph(emu);

    expect(await rejectionOf(graph.appTokens.getToken('nope.onmicrosoft.com'))).toMatchObject({
      kind: 'tenant_not_found',
      aadsts: 90002,
    });
    expect(await rejectionOf(graph.resolveTenantId('nope.onmicrosoft.com'))).toMatchObject({
      kind: 'tenant_not_found',
    });
  });

  it('resolves a domain to the tenant id', async () => {
    const graph = buildGraph(emu);

    expect(await graph.resolveTenantId(DEMO_TENANT.initialDomain)).toBe(DEMO_TENANT.id);
    expect(await graph.resolveTenantId(DEMO_TENANT.id.toUpperCase())).toBe(DEMO_TENANT.id);
  });

  it('forgets a tenant: the next token is fetched again', async () => {
    await emu.control.adminConsent(DEMO_TENANT.id);
    const graph = buildGraph(emu);
    const first = await graph.appTokens.getToken(DEMO_TENANT.id);
    expect((await graph.appTokens.getToken(DEMO_TENANT.id)).accessToken).toBe(first.accessToken);

    graph.appTokens.forget(DEMO_TENANT.id);
    await emu.control.removeServicePrincipal(DEMO_TENANT.id);

    expect(await rejectionOf(graph.appTokens.getToken(DEMO_TENANT.id))).toMatchObject({
      kind: 'app_not_consented',
    });
    await emu.control.adminConsent(DEMO_TENANT.id);
  });
});

describe('admin consent URL', () => {
  it('is accepted by the identity platform (the consent page renders for a registered redirect URI)', async () => {
    const url = buildGraph(emu).delegated.adminConsentUrl({
      tenant: DEMO_TENANT.id,
      redirectUri: REDIRECT,
      state: 'st-1',
    });

    const page = await fetch(url);

    expect(page.status).toBe(200);
    expect(await page.text()).toContain('needs permission');
  });

  it('completes admin consent in the browser flow: callback parsed, tenant verified by a token', async () => {
    await emu.control.removeServicePrincipal(DEMO_TENANT.id);
    const graph = buildGraph(emu);
    const url = graph.delegated.adminConsentUrl({
      tenant: DEMO_TENANT.initialDomain,
      redirectUri: REDIRECT,
      state: 'st-2',
    });
    const post = (form: Record<string, string>) =>
      fetch(url, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });

    expect((await post({ action: 'signin', user: DEMO_TENANT.users.admin })).status).toBe(200);
    const accepted = await post({ action: 'accept', user: DEMO_TENANT.users.admin });
    expect(accepted.status).toBe(302);
    const callback = parseCallback(new URL(accepted.headers.get('location') ?? '').searchParams);

    expect(callback).toMatchObject({ ok: true, state: 'st-2', tenant: DEMO_TENANT.id });
    if (!callback.ok || callback.tenant === null) throw new Error('consent failed');
    expect(await graph.appTokens.grantedRoles(callback.tenant)).toEqual(
      expect.arrayContaining(['Mail.Read', 'Calendars.ReadWrite', 'Directory.Read.All']),
    );
  });

  it('reports a cancelled admin consent as consent_declined', async () => {
    const url = buildGraph(emu).delegated.adminConsentUrl({
      tenant: DEMO_TENANT.id,
      redirectUri: REDIRECT,
      state: 'st-3',
    });

    const cancelled = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({ action: 'cancel', user: DEMO_TENANT.users.admin }),
      redirect: 'manual',
    });
    const callback = parseCallback(new URL(cancelled.headers.get('location') ?? '').searchParams);

    expect(callback).toMatchObject({
      ok: false,
      state: 'st-3',
      isCancelled: true,
      error: { kind: 'consent_declined' },
    });
  });
});
