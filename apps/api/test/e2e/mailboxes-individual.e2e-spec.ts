import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { addMember, connectIndividual, type TestMember } from '../support/individual';
import { newOrgId } from '../support/test-env';

interface Row {
  route: string;
  calendar: { inScope: boolean; effective: string };
  mail: { inScope: boolean };
}

/** Without an org-wide connection, a member's own Outlook connection is their mailbox's route. */
describe('mailbox rows over individual connections', () => {
  let env: ApiWithEmulator;
  let member: TestMember;

  const me = async (): Promise<Row> => {
    const res = await env.api
      .http()
      .get('/api/v1/orgwide/members/me')
      .set('authorization', `Bearer ${member.token}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as Row;
  };

  beforeAll(async () => {
    env = await startApiWithEmulator();
    member = await addMember(env, newOrgId('ind'), 'megan', DEMO_TENANT.users.member);
  });
  afterAll(() => env.close());

  it('has no route before the member connects, and the individual route after', async () => {
    expect(await me()).toMatchObject({ route: 'none', calendar: { inScope: false } });
    const result = await connectIndividual(env, member, member.email);
    expect(result.outcome).toBe('connected');
    expect(await me()).toMatchObject({
      route: 'individual',
      calendar: { inScope: true },
      mail: { inScope: false },
    });

    const res = await env.api
      .http()
      .delete(`/api/v1/individual-connections/${result.connectionId}`)
      .set('authorization', `Bearer ${member.token}`);
    expect(res.status).toBeLessThan(300);
    expect(await me()).toMatchObject({ route: 'none', calendar: { inScope: false } });
  });
});
