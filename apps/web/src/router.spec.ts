import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryHistory } from 'vue-router';

import { createAppRouter, type GuardContext } from './router';

describe('router access guard', () => {
  let context: GuardContext;

  beforeEach(() => {
    setActivePinia(createPinia());
    context = { isSignedIn: false, isAdmin: false };
  });

  function router() {
    return createAppRouter(() => context, createMemoryHistory());
  }

  it('sends a signed-out visitor to sign-in, remembering where they were going', async () => {
    const r = router();
    await r.push('/console/members');
    expect(r.currentRoute.value.name).toBe('sign-in');
    expect(r.currentRoute.value.query.redirect).toBe('/console/members');
  });

  it('lets a member see integrations and their own status', async () => {
    context = { isSignedIn: true, isAdmin: false };
    const r = router();
    await r.push('/integrations');
    expect(r.currentRoute.value.name).toBe('integrations');
    await r.push('/me');
    expect(r.currentRoute.value.name).toBe('my-status');
  });

  it.each([
    '/console',
    '/console/permissions',
    '/console/access-policy',
    '/console/members',
    '/console/audit',
    '/console/disconnect',
    '/integrations/microsoft/connect',
    '/integrations/microsoft/result?outcome=connected',
  ])('lands a member who opens %s on the admins-only page', async (path) => {
    context = { isSignedIn: true, isAdmin: false };
    const r = router();
    await r.push(path);
    expect(r.currentRoute.value.name).toBe('admins-only');
    expect(r.currentRoute.value.query.from).toBe(path);
  });

  it('lets an admin into the console', async () => {
    context = { isSignedIn: true, isAdmin: true };
    const r = router();
    await r.push('/console/audit');
    expect(r.currentRoute.value.name).toBe('console-audit');
  });

  it('sends a signed-in user away from the sign-in page', async () => {
    context = { isSignedIn: true, isAdmin: false };
    const r = router();
    await r.push('/sign-in');
    expect(r.currentRoute.value.name).toBe('integrations');
  });

  it('shows not-found for unknown paths', async () => {
    context = { isSignedIn: true, isAdmin: true };
    const r = router();
    await r.push('/nope');
    expect(r.currentRoute.value.name).toBe('not-found');
  });
});
