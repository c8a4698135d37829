import { readFileSync } from 'node:fs';

import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

import { startStack, type Stack } from '@rox365/dev/stack';
import { ControlClient } from '@rox365/m365-emulator';

import { launchChromium, newPage, saveFailure, screenshot } from './support/browser';

// Seed 001 in Chromium against the real stack: members connect their own Outlook calendar, the
// tenant then requires admin approval (the emulator's --user-consent off), an admin denies one
// request and approves another in the emulated Entra portal, a revoked sign-in asks for a new
// one, and the org-wide connection finally supersedes them all.
const TENANT = 'contoso.com';
const ADMIN_UPN = 'isaiah.langer@contoso.com';
const SLOW_MS = 60_000;

type MicrosoftChoice = 'accept' | 'request-approval' | 'back' | 'none';

describe('individual Outlook connections end to end', () => {
  let stack: Stack;
  let browser: Browser;
  let control: ControlClient;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack({
      webPort: 5189,
      apiPort: 3089,
      emulatorPort: 4089,
      database: 'rox365_web_e2e_individual',
      freshDatabase: true,
      queuePrefix: 'rox365_web_e2e_individual',
      log: (line) => process.stderr.write(`${line}\n`),
    });
    control = new ControlClient(stack.emulatorUrl, readFileSync(stack.caPath, 'utf8'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  function recordFailures(): void {
    onTestFailed(async ({ task }) => {
      if (page) await saveFailure(page, task.name);
    });
  }

  async function signInAs(name: string): Promise<Page> {
    const next = await newPage(browser);
    await next.goto(`${stack.webUrl}/sign-in`);
    await next.getByRole('button', { name: new RegExp(name) }).click();
    await next.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
    return next;
  }

  function calendarTile(target: Page) {
    return target.locator('[aria-labelledby="tile-calendar"]');
  }

  /**
   * Microsoft's side as the emulator plays it, for a member: the account picker, then the page
   * Microsoft shows (the member's own consent, or "Approval required"), until Rox's result page.
   * Returns the outcome and the Microsoft pages seen on the way.
   */
  async function throughMicrosoft(
    upn: string,
    choice: MicrosoftChoice,
  ): Promise<{ outcome: string | null; seen: string[] }> {
    const seen: string[] = [];
    for (let step = 0; step < 8; step += 1) {
      const next = page
        .locator('#login, #consent-title, #approval-required, #request-sent, h1[data-outcome]')
        .first();
      await next.waitFor({ timeout: SLOW_MS });
      if (await page.locator('h1[data-outcome]').count()) {
        return { outcome: await page.locator('h1').getAttribute('data-outcome'), seen };
      }
      const loaded = page.waitForEvent('load', { timeout: SLOW_MS });
      if (await page.locator('#login').count()) {
        seen.push('sign-in');
        await page.locator('#login').fill(upn);
        await page.locator('#signin-submit').click();
      } else if (await page.locator('#request-sent').count()) {
        seen.push('request-sent');
        await screenshot(page, 'individual-04-microsoft-request-sent');
        await page.locator('#back-to-app').click();
      } else if (await page.locator('#approval-required').count()) {
        seen.push('approval-required');
        if (choice === 'request-approval' && (await page.locator('#request-approval').count())) {
          await page.locator('#justification').fill('I want to sync my data to Rox');
          await screenshot(page, 'individual-03-microsoft-approval-required');
          await page.locator('#request-approval').click();
        } else {
          await page.locator('#back-to-app').click();
        }
      } else {
        seen.push('consent');
        await page.locator(choice === 'accept' ? '#consent-accept' : '#consent-cancel').click();
      }
      await loaded;
    }
    throw new Error('Microsoft pages did not lead back to Rox');
  }

  async function connectCalendar(upn: string, choice: MicrosoftChoice, label = /Connect/) {
    await page.goto(`${stack.webUrl}/integrations`);
    const button = calendarTile(page).getByRole('button', { name: label }).first();
    await button.waitFor();
    await button.click();
    return throughMicrosoft(upn, choice);
  }

  /** The pending request of the tenant for the individual app, as the portal lists it. */
  async function pendingRequestId(): Promise<string> {
    const requests = await control.consentRequests(TENANT);
    const pending = requests.filter((r) => r.status === 'InProgress');
    expect(pending).toHaveLength(1);
    return pending[0]?.id ?? '';
  }

  async function portalRequest(id: string): Promise<Page> {
    const portal = await newPage(browser);
    await portal.goto(`${stack.portalUrl}`);
    await portal.locator('#tenant-contoso-onmicrosoft-com').click();
    await portal.locator('#nav-consent-requests').click();
    await portal.locator(`#review-${id}`).click();
    await portal.locator('#requested-by').waitFor();
    return portal;
  }

  it('a member connects Outlook Calendar while user consent is allowed', async () => {
    recordFailures();
    page = await signInAs('Megan Bowen');
    const tile = calendarTile(page);
    await tile.locator('[data-testid="scopes-calendar"]').waitFor();
    expect(await tile.locator('[data-testid="scopes-calendar"]').textContent()).toContain(
      'Have full access to user calendars',
    );
    await screenshot(page, 'individual-01-outlook-tiles');

    const { outcome, seen } = await connectCalendar('megan.bowen@contoso.com', 'accept');
    expect(outcome).toBe('connected');
    expect(seen).toEqual(['sign-in', 'consent']);
    await screenshot(page, 'individual-02-result-connected');

    await page.goto(`${stack.webUrl}/integrations`);
    await tile.locator('[data-testid="connected-calendar"]').waitFor();
    expect(await tile.locator('[data-testid="status-calendar"]').textContent()).toBe('Connected');
    await tile.getByRole('button', { name: 'Check connection' }).click();
    await tile.getByText('Connection works').waitFor({ timeout: SLOW_MS });
    await screenshot(page, 'individual-05-tile-connected');
  });

  it('with approval required, an admin’s denial leaves the member waiting', async () => {
    recordFailures();
    // The demo switch (--user-consent off): no user consent, the request workflow on.
    await control.setConsentPolicy(TENANT, {
      userConsent: 'notAllowed',
      adminConsentWorkflow: true,
    });
    page = await signInAs('Lidia Holloway');
    const first = await connectCalendar('lidia.holloway@contoso.com', 'request-approval');
    expect(first.seen).toEqual(['sign-in', 'approval-required', 'request-sent']);
    expect(first.outcome).toBe('approval_required');

    const portal = await portalRequest(await pendingRequestId());
    expect(await portal.locator('#requested-by').textContent()).toBe('lidia.holloway@contoso.com');
    await portal.locator('#deny-reason').fill('Use the org-wide connection');
    await portal.locator('#deny-request').click();
    await portal.locator('#consent-requests').waitFor();
    await portal.context().close();
    expect((await control.consentRequests(TENANT)).map((r) => r.status)).toEqual(['Denied']);

    // Microsoft never tells the app about a denial: Connect again meets approval required again.
    const again = await connectCalendar('lidia.holloway@contoso.com', 'back', /Connect again/);
    expect(again.outcome).toBe('approval_required');
    await page.goto(`${stack.webUrl}/integrations`);
    await calendarTile(page).locator('[data-testid="waiting-calendar"]').waitFor();
  });

  it('approval required → the admin approves in Entra → Connect again finishes with no prompt', async () => {
    recordFailures();
    page = await signInAs('Alex Wilber');
    const first = await connectCalendar('alex.wilber@contoso.com', 'request-approval');
    expect(first.outcome).toBe('approval_required');
    expect(await page.locator('[data-testid="result-admin-steps"]').textContent()).toContain(
      'Admin consent requests',
    );
    await screenshot(page, 'individual-06-result-approval-required');

    await page.goto(`${stack.webUrl}/integrations`);
    const tile = calendarTile(page);
    await tile.locator('[data-testid="waiting-calendar"]').waitFor();
    expect(await tile.locator('[data-testid="waiting-calendar"]').textContent()).toContain(
      "Waiting for your admin's approval",
    );
    const link = await tile.locator('[data-testid="calendar-admin-link"] pre').textContent();
    expect(link).toContain('/v2.0/adminconsent?client_id=');
    expect(await tile.locator('[data-testid="calendar-troubleshooting"]').textContent()).toContain(
      'https://myapps.microsoft.com/',
    );
    await screenshot(page, 'individual-07-tile-waiting-for-approval');

    // Seed 001 steps 4–6 in the emulated Entra admin center.
    const portal = await portalRequest(await pendingRequestId());
    expect(await portal.locator('#justification').textContent()).toBe(
      'I want to sync my data to Rox',
    );
    await screenshot(portal, 'individual-08-entra-consent-request');
    await portal.locator('#review-permissions-consent').click();
    await portal.locator('#publisher-verified').waitFor();
    await screenshot(portal, 'individual-09-entra-review-consent');
    await portal.locator('#consent-accept').click();
    await portal.waitForLoadState('load');
    await portal.context().close();

    // Step 7: Connect again — the account picker only, then connected.
    const second = await connectCalendar('alex.wilber@contoso.com', 'none', /Connect again/);
    expect(second).toEqual({ outcome: 'connected', seen: ['sign-in'] });
    await page.goto(`${stack.webUrl}/integrations`);
    await tile.locator('[data-testid="connected-calendar"]').waitFor();
  });

  it('a refresh token revoked in the portal turns the tile into Sign in again', async () => {
    recordFailures();
    page = await signInAs('Megan Bowen');
    const portal = await newPage(browser);
    await portal.goto(`${stack.portalUrl}`);
    await portal.locator('#tenant-contoso-onmicrosoft-com').click();
    await portal.locator('#nav-users').click();
    await portal.locator('#revoke-sessions-megan-bowen-contoso-com').click();
    await portal.waitForLoadState('load');
    await portal.context().close();

    const tile = calendarTile(page);
    await tile.getByRole('button', { name: 'Check connection' }).click();
    const alert = tile.locator('[data-testid="sign-in-again-calendar"]');
    await alert.waitFor({ timeout: SLOW_MS });
    expect(await alert.textContent()).toContain('AADSTS50173');
    await screenshot(page, 'individual-10-sign-in-again');

    const again = await connectCalendar('megan.bowen@contoso.com', 'none', /Sign in again/);
    expect(again.outcome).toBe('connected');
  });

  it('an admin sees every member’s connection and can revoke one', async () => {
    recordFailures();
    page = await signInAs('Isaiah Langer');
    await page.getByRole('link', { name: "Members' Outlook connections" }).click();
    const table = page.locator('[data-testid="member-connections"]');
    await table.waitFor();
    expect(await table.textContent()).toContain('lidia.holloway@contoso.com');
    expect(await table.textContent()).toContain('Waiting for approval');
    await screenshot(page, 'individual-11-admin-member-connections');
    const lidia = table.locator('tr', { hasText: 'lidia.holloway@contoso.com' });
    await lidia.getByRole('button', { name: 'Revoke' }).click();
    await lidia.waitFor({ state: 'detached', timeout: SLOW_MS });
  });

  it('the org-wide connection supersedes individual ones', async () => {
    recordFailures();
    page = await signInAs('Isaiah Langer');
    // The admin's browser saves settings and starts the org-wide connect (the wizard's calls).
    const csrf = (await page.context().cookies()).find((c) => c.name === 'rox365_csrf')?.value;
    const headers = { 'x-rox-csrf': csrf ?? '', 'content-type': 'application/json' };
    const saved = await page.request.put(`${stack.webUrl}/api/v1/orgwide/settings`, {
      headers,
      data: { calendarAccess: 'read', emailAccess: 'metadata', tenant: 'contoso.onmicrosoft.com' },
    });
    expect(saved.status()).toBe(200);
    const started = await page.request.post(`${stack.webUrl}/api/v1/orgwide/connect`, {
      headers,
    });
    expect(started.status()).toBe(200);
    await page.goto(((await started.json()) as { consentUrl: string }).consentUrl);
    for (let step = 0; step < 8; step += 1) {
      await page.locator('#login, #consent-accept, h1[data-outcome]').first().waitFor({
        timeout: SLOW_MS,
      });
      if (await page.locator('h1[data-outcome]').count()) break;
      const loaded = page.waitForEvent('load', { timeout: SLOW_MS });
      if (await page.locator('#login').count()) {
        await page.locator('#login').fill(ADMIN_UPN);
        await page.locator('#signin-submit').click();
      } else {
        await page.locator('#consent-accept').click();
      }
      await loaded;
    }
    expect(await page.locator('h1').getAttribute('data-outcome')).toMatch(/^connected/);

    page = await signInAs('Megan Bowen');
    const tile = calendarTile(page);
    await tile.locator('[data-testid="covered-calendar"]').waitFor({ timeout: SLOW_MS });
    expect(await tile.getByRole('button', { name: /Connect/ }).isDisabled()).toBe(true);
    expect(await tile.locator('[data-testid="status-calendar"]').textContent()).toBe(
      'Covered org-wide',
    );
    await screenshot(page, 'individual-12-superseded-by-orgwide');
  });
});
