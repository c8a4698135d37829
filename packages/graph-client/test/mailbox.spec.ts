import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import {
  DeltaExpiredError,
  getMessage,
  getUser,
  MESSAGE_CONTENT_SELECT,
  messagesDeltaRound,
  probeMailbox,
  sendMail,
  type GraphClient,
  type GraphRequestError,
  type MicrosoftGraph,
} from '../src/index';
import { buildGraph, rejectionOf } from './helpers';

let emu: RunningEmulator;
let graph: MicrosoftGraph;
let client: GraphClient;
const ids: Record<string, string> = {};

beforeAll(async () => {
  emu = await startEmulator({ seed: [{ domain: 'contoso', adminConsented: true }] });
  graph = buildGraph(emu);
  client = graph.forTenant(DEMO_TENANT.id);
  for (const key of ['member', 'policyRestricted', 'noMailbox'] as const) {
    ids[key] = (await getUser(client, DEMO_TENANT.users[key])).id;
  }
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(async () => {
  await emu.control.clearFaults();
  await emu.control.adminConsent(DEMO_TENANT.id);
});

function userId(key: string): string {
  const id = ids[key];
  if (!id) throw new Error(`no id for ${key}`);
  return id;
}

describe('mailbox probe', () => {
  it('reports ok for a member inside every policy', async () => {
    const result = await probeMailbox(client, userId('member'));

    expect(result).toMatchObject({
      outcome: 'ok',
      mail: { outcome: 'ok', error: null },
      calendar: { outcome: 'ok', error: null },
    });
  });

  it('classifies a mailbox outside the ApplicationAccessPolicy (403 ErrorAccessDenied)', async () => {
    const result = await probeMailbox(client, userId('policyRestricted'));

    expect(result.outcome).toBe('access_policy_denied');
    expect(result.calendar?.outcome).toBe('access_policy_denied');
    expect(result.mail?.error).toMatchObject({
      status: 403,
      code: 'ErrorAccessDenied',
      isAccessPolicyDenied: true,
    });
  });

  it('classifies a user without an Exchange Online mailbox (404 MailboxNotEnabledForRESTAPI)', async () => {
    const result = await probeMailbox(client, userId('noMailbox'));

    expect(result.outcome).toBe('mailbox_not_enabled');
    expect(result.calendar?.outcome).toBe('mailbox_not_enabled');
    expect(result.mail?.error).toMatchObject({ status: 404, isMailboxNotEnabled: true });
  });

  it('classifies an unknown user', async () => {
    const result = await probeMailbox(client, '0b0b0b0b-0000-4000-8000-000000000000', {
      calendar: false,
    });

    expect(result.outcome).toBe('user_not_found');
  });

  it('tells a missing mail role apart from an access policy using the token roles', async () => {
    for (const role of ['Mail.ReadBasic.All', 'Mail.Read', 'Mail.ReadWrite', 'Mail.Send']) {
      await emu.control.revokeRole(DEMO_TENANT.id, role);
    }
    const fresh = buildGraph(emu);
    const grantedRoles = await fresh.appTokens.grantedRoles(DEMO_TENANT.id);

    const result = await probeMailbox(fresh.forTenant(DEMO_TENANT.id), userId('member'), {
      grantedRoles,
    });

    // Mail is missing its role; the calendar roles are still granted.
    expect(result.outcome).toBe('permission_missing');
    expect(result.calendar?.outcome).toBe('ok');
    expect(result.mail?.error?.status).toBe(403);
  });
});

describe('mail', () => {
  it('runs inbox delta rounds: full round, then a new and a moved message', async () => {
    const member = userId('member');
    const first = await messagesDeltaRound(client, member, { folder: 'inbox' }, { maxPageSize: 5 });
    expect(first.items.length).toBeGreaterThan(5);
    expect(first.items[0]).not.toHaveProperty('body');

    const colleague = (await getUser(client, 'alex.wilber@contoso.com')).id;
    await sendMail(client, colleague, {
      subject: 'Renewal quote',
      body: { contentType: 'text', content: 'Please send the renewal quote.' },
      toRecipients: [{ emailAddress: { address: DEMO_TENANT.users.member } }],
    });
    const moved = first.items[0];
    if (!moved) throw new Error('empty inbox');
    await client.request(`/users/${member}/messages/${moved.id}/move`, {
      method: 'POST',
      body: { destinationId: 'archive' },
    });

    const second = await messagesDeltaRound(client, member, { deltaLink: first.deltaLink });

    const received = second.items.find((m) => m.subject === 'Renewal quote');
    expect(received).toBeDefined();
    expect(second.removed.map((r) => r.id)).toContain(moved.id);

    const full = await getMessage(client, member, received?.id ?? '', MESSAGE_CONTENT_SELECT);
    expect(full.body?.content).toContain('renewal quote');
  });

  it('re-sends the page-size preference on every page of a delta round', async () => {
    await emu.control.clearRequests();
    const round = await messagesDeltaRound(
      client,
      userId('member'),
      { folder: 'inbox' },
      { maxPageSize: 5 },
    );

    const pages = await emu.control.requests({ pathContains: 'messages/delta' });
    // Outlook's default page is 10: without the header on later pages there would be fewer pages.
    expect(round.items.length).toBeGreaterThan(10);
    expect(pages).toHaveLength(Math.ceil(round.items.length / 5));
  });

  it('throws DeltaExpiredError for an Outlook delta token that has expired', async () => {
    const member = userId('member');
    const round = await messagesDeltaRound(client, member, { folder: 'inbox' });
    await emu.control.expireDeltaTokens(DEMO_TENANT.id);

    const error = await rejectionOf(
      messagesDeltaRound(client, member, { deltaLink: round.deltaLink }),
    );

    expect(error).toBeInstanceOf(DeltaExpiredError);
    expect((error as GraphRequestError).isDeltaExpired).toBe(true);
  });

  it('sends mail as the member; the copy shows up in Sent Items', async () => {
    const member = userId('member');
    const sent = await messagesDeltaRound(client, member, { folder: 'sentitems' });

    await sendMail(client, member, {
      subject: 'Proposal attached',
      body: { contentType: 'text', content: 'Here is the proposal.' },
      toRecipients: [{ emailAddress: { address: 'buyer@fabrikam.example' } }],
    });
    const after = await messagesDeltaRound(client, member, { deltaLink: sent.deltaLink });

    expect(after.items.map((m) => m.subject)).toContain('Proposal attached');
  });

  it('refuses to send for a mailbox outside the access policy', async () => {
    const error = await rejectionOf(
      sendMail(client, userId('policyRestricted'), {
        subject: 'x',
        body: { contentType: 'text', content: 'x' },
        toRecipients: [{ emailAddress: { address: 'a@b.example' } }],
      }),
    );

    expect(error).toMatchObject({ status: 403, isAccessPolicyDenied: true });
  });
});
