import { type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MailJobs } from '../../src/mail/mail-jobs.service';
import { NotificationsJobs } from '../../src/notifications/notifications-jobs.service';
import { connectWithMembers } from '../support/directory-env';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';
import { emulatorUserId, mailDb } from '../support/mail-env';
import {
  notificationsSettled,
  subscriptionRows,
  tenantSubscriptions,
} from '../support/notifications-env';
import { orgTokens, saveSettings, type OrgTokens } from '../support/orgwide';
import { eventually } from '../support/test-app';
import { newOrgId } from '../support/test-env';

const PATH = 'Inbox/Customers';

/**
 * Change notifications for members' own folders (issue 11: "messages for each synced folder"):
 * a user folder is watched by the id mail sync found in each mailbox, follows that id when the
 * folder is deleted and made again, keeps idle cycles silent, and goes with the setting.
 */
describe('change notifications: members’ own folders', () => {
  let env: ApiWithEmulator;
  let org: OrgTokens;
  let worker: INestApplicationContext;
  const upns = ['nfold0.mail@contoso.com', 'nfold1.mail@contoso.com'];
  const members = ['nfold0', 'nfold1'];
  const settings = { calendarAccess: 'off', emailAccess: 'metadata', extraMailFolders: [PATH] };
  let customersId = '';

  const userId = (i: number) => emulatorUserId(env, upns[i] as string);
  const folderResource = (i: number, folder: string) =>
    `users/${userId(i)}/mailFolders('${folder}')/messages`;
  const resourcesOf = async (i: number) =>
    (await tenantSubscriptions(env))
      .map((s) => s.resource)
      .filter((r) => r.startsWith(`users/${userId(i)}/`))
      .sort();
  const linkedIds = async (): Promise<string[]> => {
    const rows: { graph_id: string }[] = await mailDb(env).execute(
      `select graph_id from mail_message_link where org_id = ? and rox_user_id = ? and folder = ?`,
      [org.orgId, members[0], PATH],
    );
    return rows.map((r) => r.graph_id);
  };
  const settled = () => notificationsSettled(env, org.orgId);
  const mailJobsDone = () =>
    eventually(
      async () => ((await worker.get(MailJobs).isBusy(org.orgId, members)) ? null : true),
      {
        attempts: 1200,
        intervalMs: 50,
      },
    );

  beforeAll(async () => {
    env = await startApiWithEmulator({
      notifications: true,
      env: { NOTIFICATIONS_DEBOUNCE_MS: '1000' },
    });
    worker = await env.api.startWorker();
    org = await orgTokens(env, newOrgId());
    for (const upn of upns) await env.emu.control.addUser(env.tenantId, { userPrincipalName: upn });
    customersId = (
      await env.emu.control.createMailFolder(env.tenantId, upns[0] as string, 'Customers', 'inbox')
    ).id;
    await env.emu.control.deliverMail(env.tenantId, upns[0] as string, {
      subject: 'filed before the connect',
      folder: customersId,
    });
    await connectWithMembers(
      env,
      org,
      upns.map((email, i) => ({ roxUserId: members[i] as string, email })),
      settings,
    );
    // The connect's first mail rounds find the folder; its subscription follows without a cron
    // (queued by the mail job before it ends).
    await eventually(async () => ((await linkedIds()).length > 0 ? true : null), {
      attempts: 1200,
      intervalMs: 50,
    });
    await mailJobsDone();
    await settled();
  }, 180_000);
  afterAll(() => env?.close());

  it("subscribes to a member's own folder by the id found in that mailbox; a mailbox without it gets none", async () => {
    expect(await resourcesOf(0)).toEqual(
      [
        folderResource(0, 'inbox'),
        folderResource(0, 'sentitems'),
        folderResource(0, customersId),
      ].sort(),
    );
    expect(await resourcesOf(1)).toEqual(
      [folderResource(1, 'inbox'), folderResource(1, 'sentitems')].sort(),
    );
    const rows = await subscriptionRows(env, org.orgId);
    const own = rows.filter((r) => r.folder === PATH);
    expect(own.map((r) => [r.rox_user_id, r.state, r.last_error_code])).toEqual([
      ['nfold0', 'active', null],
    ]);
    const [stored] = await mailDb(env).execute<{ folder_id: string | null }[]>(
      `select folder_id from graph_subscription where org_id = ? and folder = ?`,
      [org.orgId, PATH],
    );
    expect(stored?.folder_id).toBe(customersId);
  });

  it('brings a message filed into the folder through its notification, without a cycle', async () => {
    const before = (await env.emu.control.notifications()).length;
    const { id } = await env.emu.control.deliverMail(env.tenantId, upns[0] as string, {
      subject: 'pushed into Customers',
      folder: customersId,
    });
    const delivered = (await env.emu.control.notifications()).slice(before);
    expect(delivered.filter((d) => d.kind === 'notification').map((d) => d.status)).toEqual([202]);
    await settled();
    expect(await linkedIds()).toContain(id);
  });

  it('an idle cycle asks Graph nothing for mailboxes whose folders, their own included, are all subscribed', async () => {
    await settled();
    await env.emu.control.clearRequests();
    await worker.get(MailJobs).enqueueCycle(org.orgId);
    await settled();
    const requests = await env.emu.control.requests({});
    // The member without the folder rests it (looked for at the connect) and is covered too.
    for (const i of [0, 1]) expect(requests.filter((r) => r.mailbox === userId(i))).toEqual([]);
  });

  it('follows a folder deleted and made again in Outlook to its new id; the old subscription goes', async () => {
    await settled();
    const old = folderResource(0, customersId);
    await env.emu.control.removeMailFolder(env.tenantId, upns[0] as string, customersId);
    const again = (
      await env.emu.control.createMailFolder(env.tenantId, upns[0] as string, 'Customers', 'inbox')
    ).id;
    expect(again).not.toBe(customersId);
    const { id } = await env.emu.control.deliverMail(env.tenantId, upns[0] as string, {
      subject: 'filed into the new Customers',
      folder: again,
    });
    // The safety poll (or any round) of the mailbox meets the 404 and finds the folder again;
    // here its first attempt then fails on the new folder (503s past the client's retries) and
    // the retry finds the new id saved already: the subscription must follow all the same.
    await env.emu.control.addFault({
      match: `^GET /v1\\.0/users/[^/]+/mailFolders/${again}/messages/delta`,
      status: 503,
      retryAfterSeconds: 0,
      count: 5,
    });
    try {
      await worker.get(MailJobs).enqueueMailbox(org.orgId, members[0] as string);
      await mailJobsDone();
      await settled();
      expect((await env.emu.control.faults())[0]?.hits).toBe(5);
    } finally {
      await env.emu.control.clearFaults();
    }
    expect(await linkedIds()).toEqual([id]);
    const resources = await resourcesOf(0);
    expect(resources).toContain(folderResource(0, again));
    expect(resources).not.toContain(old);
    const [stored] = await mailDb(env).execute<{ folder_id: string | null }[]>(
      `select folder_id from graph_subscription where org_id = ? and folder = ?`,
      [org.orgId, PATH],
    );
    expect(stored?.folder_id).toBe(again);

    // The next message there is pushed through the new subscription.
    const next = await env.emu.control.deliverMail(env.tenantId, upns[0] as string, {
      subject: 'pushed into the new Customers',
      folder: again,
    });
    await env.emu.control.notifications();
    await settled();
    expect(await linkedIds()).toContain(next.id);
  });

  it('a recreate asked for a subscription whose folder moved meanwhile replaces it on the new id', async () => {
    await settled();
    const [before] = await mailDb(env).execute<{ folder_id: string }[]>(
      `select folder_id from graph_subscription where org_id = ? and folder = ?`,
      [org.orgId, PATH],
    );
    // Mail sync has just followed the path to another folder; the subscription job has not run.
    const elsewhere = (
      await env.emu.control.createMailFolder(env.tenantId, upns[0] as string, 'Elsewhere')
    ).id;
    await mailDb(env).execute(
      `update mail_channel set folder_id = ? where org_id = ? and rox_user_id = ? and folder = ?`,
      [elsewhere, org.orgId, members[0], PATH],
    );
    // Graph says the subscription was removed: recreating it as stored would watch the old id.
    await worker.get(NotificationsJobs).enqueueMaintain({
      orgId: org.orgId,
      roxUserId: members[0] as string,
      kind: 'mail',
      folder: PATH,
      action: 'recreate',
    });
    await settled();
    const resources = await resourcesOf(0);
    expect(resources).toContain(folderResource(0, elsewhere));
    expect(resources).not.toContain(folderResource(0, before?.folder_id ?? ''));
  });

  it('deletes the folder’s subscription when the folder leaves the setting; the others stay', async () => {
    await settled();
    await saveSettings(env, org, { ...settings, extraMailFolders: [] });
    await settled();
    expect(await resourcesOf(0)).toEqual(
      [folderResource(0, 'inbox'), folderResource(0, 'sentitems')].sort(),
    );
    const rows = await subscriptionRows(env, org.orgId);
    expect(rows.filter((r) => r.folder === PATH)).toEqual([]);
    expect(
      rows
        .filter((r) => r.rox_user_id === 'nfold0')
        .map((r) => r.folder)
        .sort(),
    ).toEqual(['inbox', 'sentitems']);
  });

  it('watches an extra well-known folder by name where mail sync found it; a mailbox without it gets no subscription that fails', async () => {
    await settled();
    // Not every mailbox has an Archive.
    await env.emu.control.removeMailFolder(env.tenantId, upns[1] as string, 'archive');
    await saveSettings(env, org, { ...settings, extraMailFolders: ['archive'] });
    await eventually(
      async () => ((await resourcesOf(0)).includes(folderResource(0, 'archive')) ? true : null),
      { attempts: 1200, intervalMs: 50 },
    );
    await mailJobsDone();
    await settled();
    expect(await resourcesOf(1)).toEqual(
      [folderResource(1, 'inbox'), folderResource(1, 'sentitems')].sort(),
    );
    const archive = (await subscriptionRows(env, org.orgId)).filter((r) => r.folder === 'archive');
    expect(archive.map((r) => [r.rox_user_id, r.state])).toEqual([['nfold0', 'active']]);
  });
});
