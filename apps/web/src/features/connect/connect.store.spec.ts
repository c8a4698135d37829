import { describe, expect, it } from 'vitest';
import { nextTick } from 'vue';

import { problem } from '../../test/local-api';
import { storeSuite } from '../../test/suite';
import { splitList, useConnectStore } from './connect.store';

const TENANT = '6babcaad-604b-40ac-a9d7-9fd97c0b779f';

describe('connect store', () => {
  const api = storeSuite();

  it('splits list text boxes on new lines, commas and semicolons', () => {
    expect(splitList(' a.example\n\nb.example, c.example;d.example ')).toEqual([
      'a.example',
      'b.example',
      'c.example',
      'd.example',
    ]);
  });

  it('validates with the API schema as the admin types, once a field is touched', () => {
    const store = useConnectStore();
    store.tenant = 'not a tenant';
    expect(store.fieldError('tenant')).toBeUndefined();

    store.touch('tenant');
    expect(store.fieldError('tenant')).toMatch(/neither a tenant ID \(GUID\) nor a domain/);

    store.tenant = 'Contoso.OnMicrosoft.com';
    expect(store.fieldError('tenant')).toBeUndefined();
  });

  it('names the list entry that fails, including duplicates after normalisation', () => {
    const store = useConnectStore();
    store.restrictedDomainsText = 'lawfirm.example\nnot a domain';
    store.touch('restrictedDomains');
    expect(store.fieldError('restrictedDomains')).toBe(
      'Entry 2: "not a domain" is not a valid domain name',
    );

    store.restrictedDomainsText = 'LawFirm.example\nlawfirm.example';
    expect(store.fieldError('restrictedDomains')).toMatch(
      /^Entry 2: "lawfirm.example" is listed twice/,
    );

    store.restrictedUsersText = 'ok@contoso.com\nnope';
    store.touch('restrictedUsers');
    expect(store.fieldError('restrictedUsers')).toBe('Entry 2: must be an email address');
  });

  it('moves through the steps only when the current one passes', () => {
    const store = useConnectStore();
    expect(store.step).toBe('calendar');
    expect(store.next()).toBe(true);
    expect(store.step).toBe('email');
    store.restrictedDomainsText = 'bad domain';
    expect(store.next()).toBe(false);
    expect(store.step).toBe('email');
    store.restrictedDomainsText = '';
    expect(store.next()).toBe(true);
    expect(store.step).toBe('tenant');
    // An empty tenant is required.
    expect(store.next()).toBe(false);
    expect(store.fieldError('tenant')).toBe('enter the tenant ID or a verified domain');
    store.tenant = TENANT;
    expect(store.next()).toBe(true);
    // The security group comes before Microsoft's consent page (seed 000's order).
    expect(store.step).toBe('policy');
    expect(store.next()).toBe(true);
    expect(store.step).toBe('review');
    store.back();
    expect(store.step).toBe('policy');
  });

  it('lists every invalid entry, not just the first, as typed', () => {
    const store = useConnectStore();
    store.restrictedDomainsText =
      'bad one\nlawfirm.example\nBücher.example\nbücher.example\nworse one';
    store.touch('restrictedDomains');
    expect(store.fieldErrors('restrictedDomains')).toEqual([
      'Entry 1: "bad one" is not a valid domain name',
      'Entry 5: "worse one" is not a valid domain name',
    ]);
    // Duplicates are judged once every entry is a domain, and named as typed (not punycode).
    store.restrictedDomainsText =
      'lawfirm.example\nBücher.example\nbücher.example\nLAWFIRM.example';
    expect(store.fieldErrors('restrictedDomains')).toEqual([
      'Entry 3: "bücher.example" is listed twice (also at position 2)',
      'Entry 4: "LAWFIRM.example" is listed twice (also at position 1)',
    ]);
    // The punycode form is only a hint.
    expect(store.domainHints).toEqual([
      'Bücher.example is stored as xn--bcher-kva.example',
      'bücher.example is stored as xn--bcher-kva.example',
    ]);
  });

  it('turns a list limit into a sentence', () => {
    const store = useConnectStore();
    store.restrictedDomainsText = Array.from({ length: 502 }, (_, i) => `d${i}.example`).join('\n');
    store.touch('restrictedDomains');
    expect(store.fieldErrors('restrictedDomains')).toEqual([
      'At most 500 domains: remove 2 to save.',
    ]);
  });

  it('clears a server error once the admin changes that field', async () => {
    api.on('PUT /orgwide/settings', () =>
      problem(400, 'VALIDATION_FAILED', 'Invalid settings', [
        { path: 'body.tenant', message: 'Microsoft does not know this tenant' },
      ]),
    );
    const store = useConnectStore();
    store.tenant = 'unknown.example';
    expect(await store.save()).toBeNull();
    expect(store.fieldErrors('tenant')).toEqual(['Microsoft does not know this tenant']);
    expect(store.step).toBe('tenant');
    store.tenant = 'contoso.onmicrosoft.com';
    await nextTick();
    expect(store.fieldErrors('tenant')).toEqual([]);
  });

  it('refuses to jump ahead past an invalid step and lands on it', () => {
    const store = useConnectStore();
    expect(store.goTo('review')).toBe(false);
    expect(store.step).toBe('tenant');
    expect(store.fieldError('tenant')).toBeDefined();
  });

  it('saves the settings, then asks for the consent URL', async () => {
    api.on('PUT /orgwide/settings', (req) => ({
      body: { ...(req.body as object), overrides: [], tenantId: TENANT, updatedAt: null },
    }));
    api.on('POST /orgwide/connect', {
      body: {
        consentUrl: 'https://login.example/adminconsent?state=abc',
        expiresAt: '2026-11-22T05:00:00.000Z',
        requestedPermissions: [],
      },
    });
    const store = useConnectStore();
    store.calendarAccess = 'read';
    store.calendarMeetingDeletes = 'never';
    store.emailAccess = 'metadata';
    store.restrictedDomainsText = 'LawFirm.example';
    store.tenant = TENANT;
    store.restrictedUsersText = 'ceo@contoso.com';

    const url = await store.connect();

    expect(url).toBe('https://login.example/adminconsent?state=abc');
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /orgwide/settings',
      'POST /orgwide/connect',
    ]);
    expect(api.requests[0]?.body).toEqual({
      calendarAccess: 'read',
      calendarMeetingDeletes: 'never',
      emailAccess: 'metadata',
      restrictedDomains: ['LawFirm.example'],
      restrictedUsers: ['ceo@contoso.com'],
      extraMailFolders: [],
      tenant: TENANT,
    });
  });

  it('shows server field errors next to the field and returns to that step', async () => {
    api.on(
      'PUT /orgwide/settings',
      problem(400, 'TENANT_NOT_FOUND', 'No Microsoft Entra tenant answers to this domain.', [
        { path: 'body.tenant', message: 'No Microsoft Entra tenant answers to "nowhere.example"' },
      ]),
    );
    const store = useConnectStore();
    store.tenant = 'nowhere.example';

    expect(await store.connect()).toBeNull();

    expect(store.step).toBe('tenant');
    expect(store.fieldError('tenant')).toBe(
      'No Microsoft Entra tenant answers to "nowhere.example"',
    );
    expect(api.requests.map((r) => r.path)).toEqual(['/orgwide/settings']);
  });

  it('keeps a non-field error for the review step', async () => {
    api.on('PUT /orgwide/settings', { body: {} });
    api.on(
      'POST /orgwide/connect',
      problem(409, 'ALREADY_CONNECTED', 'The organisation is already connected.'),
    );
    const store = useConnectStore();
    store.tenant = TENANT;

    expect(await store.connect()).toBeNull();

    expect(store.step).toBe('review');
    expect(store.serverError?.code).toBe('ALREADY_CONNECTED');
    expect(store.serverError?.requestId).toBe('req-test-1');
  });

  it('pre-fills the wizard from saved settings', async () => {
    api.on('GET /orgwide/settings', {
      body: {
        calendarAccess: 'off',
        emailAccess: 'read_send',
        restrictedDomains: ['a.example', 'b.example'],
        restrictedUsers: [],
        extraMailFolders: ['archive'],
        calendarMeetingDeletes: 'never',
        tenant: 'contoso.onmicrosoft.com',
        tenantId: TENANT,
        overrides: [],
        updatedAt: '2026-11-22T03:00:00.000Z',
      },
    });
    const store = useConnectStore();

    await store.loadExisting();

    expect(store.calendarAccess).toBe('off');
    expect(store.emailAccess).toBe('read_send');
    expect(store.restrictedDomainsText).toBe('a.example\nb.example');
    expect(store.extraMailFolders).toEqual(['archive']);
    expect(store.calendarMeetingDeletes).toBe('never');
    expect(store.tenant).toBe('contoso.onmicrosoft.com');
  });

  it('$reset returns to a blank first step', () => {
    const store = useConnectStore();
    store.tenant = 'x';
    store.next();
    store.$reset();
    expect(store.step).toBe('calendar');
    expect(store.tenant).toBe('');
    expect(store.fieldError('tenant')).toBeUndefined();
  });
});
