import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DevIdentityService } from '../../src/dev-identity/dev-identity.service';
import { requestContext } from '../../src/platform/http/request-context';
import { startTestApp, type TestApp } from '../support/test-app';

describe('demo sign-in (ROX_AUTH_MODE=dev)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    const seed = () =>
      requestContext.run({ requestId: 'seed' }, () =>
        t.app
          .get(MikroORM)
          .em.fork()
          .transactional(() => t.app.get(DevIdentityService).seed()),
      );
    await seed();
    await seed(); // idempotent
  });
  afterAll(() => t.close());

  it('lists the seeded demo members once each', async () => {
    const res = await t.http().get('/api/v1/dev/identities');
    expect(res.status).toBe(200);
    expect(res.body.items.map((m: { roxUserId: string }) => m.roxUserId)).toEqual([
      'u_alex',
      'u_isaiah',
      'u_joni',
      'u_lidia',
      'u_megan',
      'u_pradeep',
      'u_sam',
    ]);
  });

  it('mints a token that the API accepts with the member’s role', async () => {
    const admin = await t.http().post('/api/v1/dev/sign-in').send({ roxUserId: 'u_isaiah' });
    expect(admin.status).toBe(200);
    expect(admin.body.caller).toMatchObject({
      roxUserId: 'u_isaiah',
      role: 'admin',
      email: 'isaiah.langer@contoso.com',
    });
    const audit = await t
      .http()
      .get('/api/v1/audit')
      .set('authorization', `Bearer ${admin.body.accessToken}`);
    expect(audit.status).toBe(200);

    const member = await t.http().post('/api/v1/dev/sign-in').send({ roxUserId: 'u_megan' });
    const denied = await t
      .http()
      .get('/api/v1/audit')
      .set('authorization', `Bearer ${member.body.accessToken}`);
    expect(denied.status).toBe(403);
  });

  it('refuses someone who is not a demo member', async () => {
    const res = await t.http().post('/api/v1/dev/sign-in').send({ roxUserId: 'nobody' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('DEV_SIGN_IN_UNKNOWN_MEMBER');
  });

  describe('the browser session cookie', () => {
    // The cookies as a browser would send them back: name=value pairs from Set-Cookie.
    function cookiesFrom(setCookie: string | string[] | undefined): Record<string, string> {
      const lines = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
      return Object.fromEntries(
        lines.map((line) => {
          const [pair = ''] = line.split(';');
          const index = pair.indexOf('=');
          return [pair.slice(0, index), pair.slice(index + 1)];
        }),
      );
    }

    async function signInBrowser(roxUserId: string) {
      const res = await t.http().post('/api/v1/dev/sign-in').send({ roxUserId });
      expect(res.status).toBe(200);
      const setCookie = res.headers['set-cookie'] as unknown as string[];
      const session = setCookie.find((c) => c.startsWith('rox365_session='));
      expect(session).toMatch(/HttpOnly/);
      expect(session).toMatch(/SameSite=Lax/);
      expect(session).toMatch(/Path=\/api/);
      const csrf = setCookie.find((c) => c.startsWith('rox365_csrf='));
      expect(csrf).not.toMatch(/HttpOnly/);
      const jar = cookiesFrom(setCookie);
      return {
        header: `rox365_session=${jar.rox365_session}; rox365_csrf=${jar.rox365_csrf}`,
        csrf: jar.rox365_csrf ?? '',
      };
    }

    it('is shared by every tab: the session answers from the cookie alone', async () => {
      const browser = await signInBrowser('u_isaiah');
      const session = await t.http().get('/api/v1/dev/session').set('cookie', browser.header);
      expect(session.status).toBe(200);
      expect(session.body.caller).toMatchObject({
        roxUserId: 'u_isaiah',
        displayName: 'Isaiah Langer',
      });
      expect(session.body.accessToken).toBeUndefined();
      expect((await t.http().get('/api/v1/dev/session')).status).toBe(401);

      const audit = await t.http().get('/api/v1/audit').set('cookie', browser.header);
      expect(audit.status).toBe(200);
    });

    it('refuses a cookie-authenticated change without the CSRF header', async () => {
      const browser = await signInBrowser('u_isaiah');
      const forged = await t
        .http()
        .post('/api/v1/orgwide/permissions/recheck')
        .set('cookie', browser.header);
      expect(forged.status).toBe(403);
      expect(forged.body.code).toBe('CSRF_TOKEN_INVALID');
      const wrong = await t
        .http()
        .post('/api/v1/orgwide/permissions/recheck')
        .set('cookie', browser.header)
        .set('x-rox-csrf', `${browser.csrf}x`);
      expect(wrong.status).toBe(403);
      // With the header the request reaches the route (which then answers on its own terms).
      const sent = await t
        .http()
        .post('/api/v1/orgwide/permissions/recheck')
        .set('cookie', browser.header)
        .set('x-rox-csrf', browser.csrf);
      expect(sent.body.code).not.toBe('CSRF_TOKEN_INVALID');
      expect(sent.status).not.toBe(401);
    });

    it('signs the browser out by clearing both cookies', async () => {
      const res = await t.http().post('/api/v1/dev/sign-out');
      expect(res.status).toBe(204);
      const cleared = res.headers['set-cookie'] as unknown as string[];
      expect(cleared.find((c) => c.startsWith('rox365_session='))).toMatch(/Max-Age=0/);
      expect(cleared.find((c) => c.startsWith('rox365_csrf='))).toMatch(/Max-Age=0/);
    });
  });
});
