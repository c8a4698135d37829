import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { syncFinished } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { connectOrg, orgTokens, seedMembers, type OrgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const MEGAN = DEMO_TENANT.users.member;
const ZOE = DEMO_TENANT.users.unicode;

/** SEND-5: sends per mailbox per minute are paced locally, not discovered through Graph errors. */
describe('mail send pacing', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    env = await startApiWithEmulator({ env: { MAIL_SENDS_PER_MINUTE: '2' } });
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    await seedMembers(env, org, [
      { roxUserId: 'megan', email: MEGAN },
      { roxUserId: 'zoe', email: ZOE },
    ]);
    expect(
      await connectOrg(env, org, { settings: { calendarAccess: 'off', emailAccess: 'read_send' } }),
    ).toBe('connected');
    await syncFinished(env, org, null);
  }, 120_000);
  afterAll(() => env.close());

  it('the third send within a minute waits for a slot without reaching Graph', async () => {
    const statusOf = async (id: string) =>
      (
        await env.api
          .http()
          .get(`/api/v1/mail/sends/${id}`)
          .set('authorization', `Bearer ${org.service}`)
      ).body as { status: string; reason: string | null };
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await env.api
        .http()
        .post('/api/v1/mail/sends')
        .set('authorization', `Bearer ${org.service}`)
        .send({
          roxUserId: 'megan',
          idempotencyKey: `pacing-${n}-${org.orgId}`,
          to: [ZOE],
          subject: `Paced ${n}`,
          body: { contentType: 'text', content: 'hi' },
        });
      expect(res.status).toBe(202);
      ids.push(res.body.id as string);
    }
    const sent = await eventually(
      async () => {
        const all = await Promise.all(ids.map(statusOf));
        return all.filter((s) => s.status === 'sent').length === 2 ? all : null;
      },
      { attempts: 400, intervalMs: 50 },
    );
    const waiting = sent.find((s) => s.status !== 'sent');
    expect(waiting?.status).toBe('queued');
    // The waiting one has not touched Graph: exactly two drafts were created and sent.
    const megan = env.emu.state.findTenant('contoso.com')?.findUser(MEGAN)?.id ?? '';
    const posts = (
      await env.emu.control.requests({ pathContains: `/users/${megan}/messages` })
    ).filter((r) => r.method === 'POST');
    expect(posts.filter((r) => r.path.endsWith('/send'))).toHaveLength(2);
    expect(posts.filter((r) => r.path.endsWith('/messages'))).toHaveLength(2);
    expect(await env.emu.control.throttleViolations()).toEqual([]);
    expect(worker).toBeDefined();
  });
});
