import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';
import { appToken, expectGraphError, graphClient, walkDelta, type Item } from './helpers';

// User-created mail folders as Exchange has them: create (top level and nested), rename, delete,
// childFolders, the folder hierarchy delta, and messages delivered, moved and tracked there.
let emu: RunningEmulator;
let client: Client;
const USER = DEMO_TENANT.users.member;
const PREFER = 'odata.maxpagesize=50, IdType="ImmutableId"';

interface GraphFolder {
  id: string;
  displayName: string;
  parentFolderId: string;
  childFolderCount: number;
  totalItemCount: number;
}

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo' });
  await emu.control.adminConsent(DEMO_TENANT.id);
  client = graphClient(emu, () => appToken(emu, DEMO_TENANT.id));
});

afterAll(async () => {
  await emu.stop();
});

async function folder(user: string, id: string): Promise<GraphFolder> {
  return (await client.api(`/users/${user}/mailFolders/${id}`).get()) as GraphFolder;
}

describe('creating, renaming and deleting user folders', () => {
  it('creates top-level and child folders with their parent and counts', async () => {
    const inbox = await folder(USER, 'inbox');
    const top = (await client
      .api(`/users/${USER}/mailFolders`)
      .post({ displayName: 'Projects' })) as GraphFolder;
    expect(top).toMatchObject({ displayName: 'Projects', childFolderCount: 0, totalItemCount: 0 });
    expect(top.parentFolderId).toBe(inbox.parentFolderId);
    const child = (await client
      .api(`/users/${USER}/mailFolders/inbox/childFolders`)
      .post({ displayName: 'Customers' })) as GraphFolder;
    expect(child.parentFolderId).toBe(inbox.id);
    expect((await folder(USER, 'inbox')).childFolderCount).toBe(inbox.childFolderCount + 1);

    const listed = (await client
      .api(`/users/${USER}/mailFolders/${inbox.id}/childFolders`)
      .get()) as {
      value: GraphFolder[];
    };
    expect(listed.value.map((f) => f.displayName)).toEqual(['Customers']);
    // The top level lists the root's children only: Projects, not Customers.
    const topLevel = (await client.api(`/users/${USER}/mailFolders`).top(100).get()) as {
      value: GraphFolder[];
    };
    const names = topLevel.value.map((f) => f.displayName);
    expect(names).toContain('Projects');
    expect(names).toContain('Inbox');
    expect(names).not.toContain('Customers');
  });

  it('refuses a second folder of the same name under the same parent (409 ErrorFolderExists)', async () => {
    await client
      .api(`/users/${USER}/mailFolders/sentitems/childFolders`)
      .post({ displayName: 'Deals' });
    const error = await expectGraphError(
      client
        .api(`/users/${USER}/mailFolders/sentitems/childFolders`)
        .post({ displayName: 'DEALS' }),
    );
    expect(error.statusCode).toBe(409);
    expect(error.code).toBe('ErrorFolderExists');
    // The same name under another parent is another folder.
    const elsewhere = (await client
      .api(`/users/${USER}/mailFolders/drafts/childFolders`)
      .post({ displayName: 'Deals' })) as GraphFolder;
    expect(elsewhere.displayName).toBe('Deals');
  });

  it('renames with PATCH (same id), and a rename onto a sibling name is refused', async () => {
    const a = (await client
      .api(`/users/${USER}/mailFolders`)
      .post({ displayName: 'Rename me' })) as GraphFolder;
    await client.api(`/users/${USER}/mailFolders`).post({ displayName: 'Taken' });
    const renamed = (await client
      .api(`/users/${USER}/mailFolders/${a.id}`)
      .patch({ displayName: 'Renamed' })) as GraphFolder;
    expect(renamed).toMatchObject({ id: a.id, displayName: 'Renamed' });
    const clash = await expectGraphError(
      client.api(`/users/${USER}/mailFolders/${a.id}`).patch({ displayName: 'taken' }),
    );
    expect(clash.statusCode).toBe(409);
    const wellKnown = await expectGraphError(
      client.api(`/users/${USER}/mailFolders/inbox`).patch({ displayName: 'Mine' }),
    );
    expect(wellKnown.statusCode).toBe(400);
  });

  it('deletes a folder with its subfolders and messages', async () => {
    const parent = (await client
      .api(`/users/${USER}/mailFolders`)
      .post({ displayName: 'Old' })) as GraphFolder;
    const child = (await client
      .api(`/users/${USER}/mailFolders/${parent.id}/childFolders`)
      .post({ displayName: 'Older' })) as GraphFolder;
    const { id } = await emu.control.deliverMail(DEMO_TENANT.id, USER, {
      subject: 'in a doomed folder',
      folder: child.id,
    });
    await client.api(`/users/${USER}/mailFolders/${parent.id}`).delete();
    for (const path of [`mailFolders/${parent.id}`, `mailFolders/${child.id}/messages/delta`]) {
      const error = await expectGraphError(client.api(`/users/${USER}/${path}`).get());
      expect(error.statusCode).toBe(404);
    }
    expect(
      (await expectGraphError(client.api(`/users/${USER}/messages/${id}`).get())).statusCode,
    ).toBe(404);
    const inbox = await expectGraphError(client.api(`/users/${USER}/mailFolders/inbox`).delete());
    expect(inbox.statusCode).toBe(400);
  });

  it('needs Mail.ReadWrite to create a folder', async () => {
    await emu.control.createTenant({ domain: 'folderless', users: 2 });
    await emu.control.grantRoles('folderless.com', ['Mail.Read']);
    const reader = graphClient(emu, () => appToken(emu, 'folderless.com'));
    const first = emu.state.findTenant('folderless.com')?.users.at(0)?.userPrincipalName ?? '';
    const denied = await expectGraphError(
      reader.api(`/users/${first}/mailFolders`).post({ displayName: 'Nope' }),
    );
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe('ErrorAccessDenied');
    // Reading the hierarchy does not.
    const delta = await walkDelta(reader, `/users/${first}/mailFolders/delta`, PREFER);
    expect(delta.items.length).toBeGreaterThan(0);
  });
});

describe('mailFolders/delta', () => {
  const owner = DEMO_TENANT.users.unicode;

  it('returns every folder including nested ones, paged, then only what changed', async () => {
    const customers = await emu.control.createMailFolder(
      DEMO_TENANT.id,
      owner,
      'Customers',
      'inbox',
    );
    const vip = await emu.control.createMailFolder(DEMO_TENANT.id, owner, 'VIP', customers.id);
    const first = await walkDelta(
      client,
      `/users/${owner}/mailFolders/delta?$select=displayName,parentFolderId`,
      'odata.maxpagesize=3',
    );
    expect(first.pages).toBeGreaterThan(2);
    expect(first.deltaLink).toMatch(/mailFolders\/delta\?\$deltatoken=/);
    const byId = new Map(first.items.map((f) => [f.id, f]));
    const inbox = await folder(owner, 'inbox');
    expect(byId.get(customers.id)).toEqual({
      id: customers.id,
      displayName: 'Customers',
      parentFolderId: inbox.id,
    });
    expect(byId.get(vip.id)).toMatchObject({ displayName: 'VIP', parentFolderId: customers.id });
    expect(byId.get(inbox.id)).toMatchObject({ displayName: 'Inbox' });
    // $select is honoured: no counts were asked for.
    expect(byId.get(inbox.id)).not.toHaveProperty('totalItemCount');
    // The root itself is not listed; each folder once.
    expect(byId.has(inbox.parentFolderId)).toBe(false);
    expect(byId.size).toBe(first.items.length);

    const quiet = await walkDelta(client, first.deltaLink, 'odata.maxpagesize=3');
    expect(quiet.items).toEqual([]);

    const added = await emu.control.createMailFolder(DEMO_TENANT.id, owner, 'Partners');
    await emu.control.renameMailFolder(DEMO_TENANT.id, owner, vip.id, 'Key accounts');
    await emu.control.removeMailFolder(DEMO_TENANT.id, owner, 'archive');
    const changes = await walkDelta(client, quiet.deltaLink, 'odata.maxpagesize=3');
    const archiveId = first.items.find((f) => f.displayName === 'Archive')?.id;
    expect(changes.items).toEqual(
      expect.arrayContaining([
        { id: added.id, displayName: 'Partners', parentFolderId: inbox.parentFolderId },
        { id: vip.id, displayName: 'Key accounts', parentFolderId: customers.id },
        {
          '@odata.type': '#microsoft.graph.mailFolder',
          id: archiveId,
          '@removed': { reason: 'deleted' },
        },
      ]),
    );
    expect(changes.items.map((f) => f.id)).not.toContain(inbox.id);
  });

  it('reports a well-known folder the control API localises, same id (Graph still refuses the rename)', async () => {
    const round = await walkDelta(client, `/users/${owner}/mailFolders/delta`, PREFER);
    const inbox = await folder(owner, 'inbox');
    await emu.control.renameMailFolder(DEMO_TENANT.id, owner, 'inbox', 'Posteingang');
    expect(await folder(owner, 'inbox')).toMatchObject({
      id: inbox.id,
      displayName: 'Posteingang',
    });
    const changes = await walkDelta(client, round.deltaLink, PREFER);
    expect(changes.items).toEqual([
      expect.objectContaining({ id: inbox.id, displayName: 'Posteingang' }),
    ]);
    const refused = await expectGraphError(
      client.api(`/users/${owner}/mailFolders/inbox`).patch({ displayName: 'Inbox' }),
    );
    expect(refused.statusCode).toBe(400);
    await emu.control.renameMailFolder(DEMO_TENANT.id, owner, 'inbox', 'Inbox');
  });

  it('answers 410 SyncStateNotFound for a deltaLink the tenant expired', async () => {
    const round = await walkDelta(client, `/users/${owner}/mailFolders/delta`, PREFER);
    await emu.control.expireDeltaTokens(DEMO_TENANT.id);
    const error = await expectGraphError(client.api(round.deltaLink).get());
    expect(error.statusCode).toBe(410);
  });
});

describe('messages in user folders', () => {
  const owner = DEMO_TENANT.users.member;

  it('delivers into, moves into and tracks a user folder by id like a well-known one', async () => {
    const customers = (await client
      .api(`/users/${owner}/mailFolders/inbox/childFolders`)
      .post({ displayName: 'Key customers' })) as GraphFolder;
    const base = await walkDelta(
      client,
      `/users/${owner}/mailFolders/${customers.id}/messages/delta?$select=subject,parentFolderId`,
      PREFER,
    );
    expect(base.items).toEqual([]);
    expect(base.deltaLink).toContain(`mailFolders('${customers.id}')/messages/delta`);

    const delivered = await emu.control.deliverMail(DEMO_TENANT.id, owner, {
      subject: 'filed by a rule',
      folder: customers.id,
    });
    const inInbox = await emu.control.deliverMail(DEMO_TENANT.id, owner, {
      subject: 'to be filed',
    });
    const moved = (await client
      .api(`/users/${owner}/messages/${inInbox.id}/move`)
      .header('Prefer', PREFER)
      .post({ destinationId: customers.id })) as Item;
    expect(moved.id).toBe(inInbox.id);
    expect(moved.parentFolderId).toBe(customers.id);

    const next = await walkDelta(client, base.deltaLink, PREFER);
    expect(next.items.map((m) => [m.subject, m.parentFolderId])).toEqual(
      expect.arrayContaining([
        ['filed by a rule', customers.id],
        ['to be filed', customers.id],
      ]),
    );
    expect(next.items.map((m) => m.id)).toContain(delivered.id);
    expect((await folder(owner, customers.id)).totalItemCount).toBe(2);

    // Moving one out shows as removed in the folder's delta.
    await emu.control.moveMail(DEMO_TENANT.id, owner, inInbox.id, 'inbox');
    const after = await walkDelta(client, next.deltaLink, PREFER);
    expect(after.items).toEqual([
      expect.objectContaining({ id: inInbox.id, '@removed': { reason: 'deleted' } }),
    ]);

    // A rename keeps the folder (and its deltaLink) working by id.
    await client
      .api(`/users/${owner}/mailFolders/${customers.id}`)
      .patch({ displayName: 'Clients' });
    await walkDelta(client, after.deltaLink, PREFER);
  });
});
