import { describe, expect, it } from 'vitest';

import { buildSession } from '../../test/factories';
import { problem } from '../../test/local-api';
import { freshPinia } from '../../test/pinia';
import { storeSuite } from '../../test/suite';
import { useConnectStore } from '../connect/connect.store';
import { useOrgwideStore } from '../orgwide/orgwide.store';
import { useAuthStore } from './auth.store';
import { storeSession } from './session-storage';

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

  it('signs in, keeps the session in sessionStorage and knows the role', async () => {
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
    expect(auth.accessToken()).toBe(session.accessToken);
    expect(JSON.parse(sessionStorage.getItem('rox365.session') ?? '{}').caller.roxUserId).toBe(
      'u_megan',
    );
  });

  it('shows a failed sign-in as a readable error', async () => {
    api.on('POST /dev/sign-in', problem(404, 'MEMBER_NOT_FOUND', 'No demo member u_ghost.'));
    const auth = useAuthStore();
    expect(await auth.signIn('u_ghost')).toBe(false);
    expect(auth.signInError?.detail).toBe('No demo member u_ghost.');
    expect(auth.isSignedIn).toBe(false);
  });

  it('restores a stored session and drops an expired one', () => {
    storeSession(buildSession());
    expect(useAuthStore().isAdmin).toBe(true);

    freshPinia();
    storeSession({ ...buildSession(), expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(useAuthStore().isSignedIn).toBe(false);
    expect(sessionStorage.getItem('rox365.session')).toBeNull();
  });

  it('sign-out clears the session and every store', () => {
    storeSession(buildSession());
    const auth = useAuthStore();
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

    auth.signOut();

    expect(auth.isSignedIn).toBe(false);
    expect(sessionStorage.getItem('rox365.session')).toBeNull();
    expect(connect.tenant).toBe('');
    expect(orgwide.receipt).toBeNull();
  });
});
