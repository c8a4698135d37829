import { describe, expect, it } from 'vitest';

import { buildSession } from '../../test/factories';
import { problem } from '../../test/local-api';
import { freshPinia } from '../../test/pinia';
import { storeSuite } from '../../test/suite';
import { useConnectStore } from '../connect/connect.store';
import { useOrgwideStore } from '../orgwide/orgwide.store';
import { useAuthStore } from './auth.store';

describe('auth store', () => {
  const api = storeSuite(null);

  it('lists demo identities', async () => {
    api.on('GET /dev/identities', {
      body: {
        orgId: 'org_demo',
        items: [
          {
            roxUserId: 'u_megan',
            email: 'megan.bowen@contoso.com',
            displayName: 'Megan Bowen',
            role: 'member',
          },
        ],
      },
    });
    const auth = useAuthStore();
    await auth.loadIdentities();
    expect(auth.identities.map((i) => i.roxUserId)).toEqual(['u_megan']);
    expect(auth.identitiesError).toBeNull();
  });

  it('signs in, keeps who (not the token) and knows the role', async () => {
    const session = buildSession({
      roxUserId: 'u_megan',
      role: 'member',
      displayName: 'Megan Bowen',
    });
    api.on('POST /dev/sign-in', (req) => ({
      body: {
        ...session,
        caller: { ...session.caller, roxUserId: (req.body as { roxUserId: string }).roxUserId },
      },
    }));
    const auth = useAuthStore();

    expect(await auth.signIn('u_megan')).toBe(true);

    expect(auth.isSignedIn).toBe(true);
    expect(auth.isAdmin).toBe(false);
    // The token stays in the API's HttpOnly cookie: nothing of it in the page or its storage.
    expect(JSON.stringify(auth.session)).not.toContain(session.accessToken);
    expect(sessionStorage.length).toBe(0);
    expect(localStorage.length).toBe(0);
  });

  it('shows a failed sign-in as a readable error', async () => {
    api.on('POST /dev/sign-in', problem(404, 'MEMBER_NOT_FOUND', 'No demo member u_ghost.'));
    const auth = useAuthStore();
    expect(await auth.signIn('u_ghost')).toBe(false);
    expect(auth.signInError?.detail).toBe('No demo member u_ghost.');
    expect(auth.isSignedIn).toBe(false);
  });

  it('restores the browser session in any tab, and reads 401 or an expiry as signed out', async () => {
    const { accessToken: _token, ...current } = buildSession();
    api.on('GET /dev/session', { body: current });
    await useAuthStore().restore();
    expect(useAuthStore().isAdmin).toBe(true);

    freshPinia();
    api.on('GET /dev/session', problem(401, 'TOKEN_MISSING', 'Not signed in.'));
    await useAuthStore().restore();
    expect(useAuthStore().isSignedIn).toBe(false);

    freshPinia();
    api.on('GET /dev/session', {
      body: { ...current, expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    await useAuthStore().restore();
    expect(useAuthStore().isSignedIn).toBe(false);
  });

  it('sign-out ends the session for the browser and clears every store', async () => {
    api.on('POST /dev/sign-out', { status: 204 });
    const { accessToken: _token, ...current } = buildSession();
    const auth = useAuthStore();
    auth.session = current;
    const connect = useConnectStore();
    const orgwide = useOrgwideStore();
    connect.tenant = 'contoso.com';
    orgwide.receipt = {
      disconnectedAt: '2026-11-22T03:00:00.000Z',
      tenantId: null,
      removed: {},
      totalRemoved: 0,
      entraSteps: [],
    };

    await auth.signOut();

    expect(auth.isSignedIn).toBe(false);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toContain('POST /dev/sign-out');
    expect(connect.tenant).toBe('');
    expect(orgwide.receipt).toBeNull();
  });
});
