import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { MailboxAccess } from '../../src/consent/mailbox-access.service';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { connectOrg, orgTokens, saveSettings } from '../support/orgwide';
import { newOrgId } from '../support/test-env';

/** The one port through which features reach the tenant and members' mailboxes. */
describe('MailboxAccess', () => {
  let env: ApiWithEmulator;
  const access = () => env.api.app.get(MailboxAccess);
  // Services outside an HTTP request need a MikroORM context of their own, as jobs have.
  const inContext = <T>(fn: () => Promise<T>) =>
    RequestContext.create(env.api.app.get(MikroORM).em, fn);
  const refusal = async (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (error: { code?: string }) => error.code ?? 'uncoded',
    );

  beforeAll(async () => {
    env = await startApiWithEmulator();
  });
  afterAll(() => env.close());

  it('refuses an org that is neither connected org-wide nor through a member', async () => {
    const org = await orgTokens(env, newOrgId());
    await saveSettings(env, org);
    expect(await inContext(() => refusal(access().forOrg(org.orgId)))).toBe(
      'ORGWIDE_NOT_CONNECTED',
    );
    expect(
      await inContext(() =>
        refusal(
          access().forMailbox(org.orgId, {
            roxUserId: 'mem',
            directoryUserId: 'x',
            kind: 'calendar',
          }),
        ),
      ),
    ).toBe('MAILBOX_NOT_REACHABLE');
  });

  it('reaches the tenant and a mapped mailbox through the org-wide app', async () => {
    const org = await orgTokens(env, newOrgId());
    expect(await connectOrg(env, org, { settings: { calendarAccess: 'read' } })).toBe('connected');
    const tenant = await inContext(() => access().forOrg(org.orgId));
    expect(tenant.tenantId).toBe(env.tenantId);
    expect(tenant.capabilities).toContain('calendar_read');
    expect((await tenant.token()).roles).toContain('Calendars.Read');

    const megan = env.emu.state.findTenant(env.tenantId)?.findUser(DEMO_TENANT.users.member);
    const mailbox = await inContext(() =>
      access().forMailbox(org.orgId, {
        roxUserId: 'mem',
        directoryUserId: megan?.id ?? null,
        kind: 'calendar',
      }),
    );
    expect(mailbox.route).toBe('orgwide');
    expect(mailbox.ownerPath).toBe(`/users/${megan?.id ?? ''}`);
    const events = await mailbox.client.get<{ value: unknown[] }>(
      `${mailbox.ownerPath}/events?$top=1&$select=id`,
    );
    expect(Array.isArray(events.value)).toBe(true);

    expect(
      await inContext(() =>
        refusal(
          access().forMailbox(org.orgId, { roxUserId: 'mem', directoryUserId: null, kind: 'mail' }),
        ),
      ),
    ).toBe('MAILBOX_NOT_MAPPED');
  });
});
