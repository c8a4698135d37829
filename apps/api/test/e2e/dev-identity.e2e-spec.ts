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
});
