import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

import { startStack, type Stack } from '@rox365/dev/stack';

import { launchChromium, newPage, saveFailure, screenshot } from './support/browser';

// One real stack (emulator with the Contoso demo tenant, API, worker, built SPA) for the whole
// journey; the steps build on each other in order, as an admin would go through them.
const ADMIN = 'Isaiah Langer';
const ADMIN_UPN = 'isaiah.langer@contoso.com';
const MEMBER = 'Megan Bowen';
const POLICY_DENIED = 'joni.sherman@contoso.com';
const SLOW_MS = 60_000;

describe('settings SPA end to end', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack({
      webPort: 5188,
      apiPort: 3088,
      emulatorPort: 4088,
      database: 'rox365_web_e2e',
      freshDatabase: true,
      queuePrefix: 'rox365_web_e2e',
      log: (line) => process.stderr.write(`${line}\n`),
    });
    browser = await launchChromium();
  });

  // A failing step leaves a picture of the page in test-results/ (not committed).
  function recordFailures(): void {
    onTestFailed(async ({ task }) => {
      if (page) await saveFailure(page, task.name);
    });
  }

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function signInAs(
    name: string,
    viewport?: { width: number; height: number },
  ): Promise<Page> {
    const next = await newPage(browser, viewport);
    next.on('response', (response) => {
      if (response.url().includes('/api/') && response.status() >= 400) {
        process.stderr.write(
          `[browser] ${response.status()} ${response.request().method()} ${response.url()}\n`,
        );
      }
    });
    await next.goto(`${stack.webUrl}/sign-in`);
    await next.getByRole('button', { name: new RegExp(name) }).click();
    await next.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
    return next;
  }

  // Nothing may force sideways scrolling on a 360 px phone.
  function pageWidth(target: Page): Promise<number> {
    return target.evaluate(() => document.documentElement.scrollWidth);
  }

  async function walkWizard(): Promise<void> {
    await page.goto(`${stack.webUrl}/integrations/microsoft/connect`);
    await page.getByText('Step 1 of 4').waitFor();
    await page.locator('input[name="calendarAccess"][value="read_write"]').check();
    await screenshot(page, '03-wizard-calendar');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('input[name="emailAccess"][value="metadata"]').check();
    await page.locator('#restricted-domains').fill('lawfirm.example');
    await screenshot(page, '04-wizard-email');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('#tenant').fill('contoso.onmicrosoft.com');
    await screenshot(page, '05-wizard-tenant');
    await page.getByRole('button', { name: 'Next' }).click();
    await page
      .getByRole('heading', { name: /Permissions Microsoft will ask you to accept/ })
      .waitFor();
  }

  // Connect first signs the admin in (Rox checks the ID token proves a tenant administrator),
  // then opens Microsoft's admin-consent page, which may ask for the account again.
  async function openConsentPage(): Promise<void> {
    await page.getByRole('button', { name: 'Connect and open Microsoft' }).click();
    await page.locator('#login').waitFor();
    await page.locator('#login').fill(ADMIN_UPN);
    await page.locator('#signin-submit').click();
    await page.waitForURL(/\/v2\.0\/adminconsent\?/);
    await page.locator('#consent-title, #login').first().waitFor();
    if ((await page.locator('#consent-title').count()) === 0) {
      await page.locator('#login').fill(ADMIN_UPN);
      await page.locator('#signin-submit').click();
    }
    await page.locator('#consent-title').waitFor();
  }

  it('keeps members out of admin screens and shows their own status', async () => {
    recordFailures();
    page = await newPage(browser);
    await page.goto(`${stack.webUrl}/console`);
    await page.getByRole('heading', { name: 'Sign in to Rox settings' }).waitFor();
    await screenshot(page, '01-sign-in');

    const member = await signInAs(MEMBER);
    await member.goto(`${stack.webUrl}/console/members`);
    await member.getByRole('heading', { name: 'Admins only' }).waitFor();
    expect(await member.getByRole('link', { name: 'Admin console' }).count()).toBe(0);
    await member.goto(`${stack.webUrl}/integrations/microsoft/connect`);
    await member.getByRole('heading', { name: 'Admins only' }).waitFor();
    await screenshot(member, '13-member-admins-only');
    await member.context().close();
  });

  it('shows the integration tiles and the wizard review with all seven permissions', async () => {
    recordFailures();
    page = await signInAs(ADMIN);
    await expect
      .poll(() => page.locator('[data-testid="enterprise-state"]').textContent())
      .toMatch(/Not connected|Ready to connect/);
    await screenshot(page, '02-integrations');

    await walkWizard();
    const plan = page.locator('[data-testid="permission-plan"] li');
    expect(await plan.count()).toBe(7);
    const needed = await page
      .locator('[data-testid="permission-plan"] li', { hasText: 'Needed' })
      .locator('code')
      .allTextContents();
    expect(needed).toEqual(['Mail.ReadBasic.All', 'Calendars.ReadWrite', 'Directory.Read.All']);
    await screenshot(page, '06-wizard-review');
    await page.setViewportSize({ width: 360, height: 780 });
    expect(await pageWidth(page)).toBeLessThanOrEqual(360);
    await screenshot(page, '19-wizard-review-mobile');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('comes back from a cancelled consent with the reason and what to do next', async () => {
    recordFailures();
    await openConsentPage();
    await page.locator('#consent-cancel').click();
    await page.waitForURL(/\/integrations\/microsoft\/result\?outcome=/);
    await expect.poll(() => page.locator('h1').getAttribute('data-outcome')).toBe('cancelled');
    expect(await page.locator('h1').textContent()).toContain('Consent was cancelled');
    await screenshot(page, '07-result-cancelled');
  });

  it('connects after Accept on the consent page and opens the console', async () => {
    recordFailures();
    await walkWizard();
    await openConsentPage();
    await page.locator('#consent-accept').click();
    await page.waitForURL(/\/integrations\/microsoft\/result\?outcome=/);
    const outcome = await page.locator('h1').getAttribute('data-outcome');
    expect(['connected', 'connected_with_missing_permissions']).toContain(outcome);
    await screenshot(page, '08-result-connected');

    await page.getByRole('link', { name: 'Open the admin console' }).click();
    await expect
      .poll(() => page.locator('[data-testid="console-state"]').textContent(), { timeout: SLOW_MS })
      .toMatch(/Connected/);
  });

  it('runs a directory sync with a progress indicator until it is up to date', async () => {
    recordFailures();
    const button = page.getByRole('button', { name: 'Sync directory now' });
    // Connecting may already have queued a first sync; the button waits for it.
    await expect.poll(() => button.isEnabled(), { timeout: SLOW_MS, interval: 500 }).toBe(true);
    await button.click();
    await expect
      .poll(() => page.locator('[data-testid="directory-state"]').textContent(), {
        timeout: SLOW_MS,
        interval: 250,
      })
      .toMatch(/Queued|Syncing|Up to date/);
    await expect
      .poll(() => page.locator('[data-testid="directory-state"]').textContent(), {
        timeout: SLOW_MS,
        interval: 500,
      })
      .toContain('Up to date');
    await expect.poll(() => button.isEnabled(), { timeout: SLOW_MS, interval: 250 }).toBe(true);
    expect(await page.getByRole('progressbar').count()).toBe(0);
    await screenshot(page, '09-console-overview');
  });

  it('refuses an individual connection while org-wide is connected', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/integrations`);
    await page.getByRole('button', { name: 'Connect Outlook Mail' }).click();
    const message = page
      .locator('#tile-mail')
      .locator('xpath=ancestor::article')
      .getByRole('status');
    await expect.poll(() => message.textContent()).toMatch(/org-wide/);
  });

  it('reports excess permissions with the Entra revoke steps', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/permissions`);
    const excess = page.locator('[data-testid="excess-permissions"]');
    await excess.waitFor();
    expect(await excess.textContent()).toContain('Mail.Send');
    expect(await excess.locator('ol li').count()).toBeGreaterThan(0);
    await screenshot(page, '10-console-permissions');
  });

  it('generates the access-policy script and probes a policy-restricted member as denied', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/access-policy`);
    await page.locator('#group-name').fill('RoxPilotUsers');
    await page.getByRole('button', { name: 'Generate PowerShell' }).click();
    await page.locator('pre code').waitFor();
    expect(await page.locator('pre code').textContent()).toContain('New-ApplicationAccessPolicy');

    await page.getByRole('button', { name: 'Test all members' }).click();
    const joni = page.locator(`tr[data-member="${POLICY_DENIED}"]`);
    await expect
      .poll(() => joni.textContent(), { timeout: SLOW_MS, interval: 500 })
      .toContain('Denied by policy');
    await screenshot(page, '11-console-access-policy');
  });

  it('changes a member’s scope with a per-member override', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/members`);
    const megan = page.locator('tr[data-member="megan.bowen@contoso.com"]');
    await megan.waitFor();
    const calendarCell = megan.locator('td').nth(2);
    expect(await calendarCell.textContent()).not.toMatch(/Out of scope/);

    await megan.locator('select').first().selectOption('off');
    await megan.getByRole('button', { name: `Save access for ${MEMBER}` }).click();
    await expect
      .poll(() => calendarCell.textContent(), { timeout: SLOW_MS })
      .toMatch(/Out of scope|Off/);
    await screenshot(page, '12-console-members');
  });

  it('shows the feature a revoked permission disables after a re-check', async () => {
    recordFailures();
    const portal = await newPage(browser);
    await portal.goto(`${stack.portalUrl}`);
    await portal.locator('#tenant-contoso-onmicrosoft-com').click();
    await portal.locator('a[id^="app-"]').click();
    await portal.locator('#revoke-calendars-readwrite').click();
    await portal.locator('#granted-calendars-readwrite').waitFor({ state: 'detached' });
    await portal.context().close();

    await page.goto(`${stack.webUrl}/console/permissions`);
    await page.getByRole('button', { name: 'Re-check permissions' }).click();
    const missing = page.locator('[data-testid="missing-permissions"]');
    await expect
      .poll(() => missing.textContent().catch(() => ''), { timeout: SLOW_MS, interval: 500 })
      .toContain('Calendars.ReadWrite');
    expect(await missing.textContent()).toMatch(/calendar/i);
    await screenshot(page, '14-console-permission-missing');
  });

  it('lists what happened in the audit log', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/audit`);
    const table = page.locator('[data-testid="audit-table"]');
    await table.waitFor();
    expect(await table.textContent()).toContain('orgwide');
    await page.locator('#audit-action').fill('orgwide.*');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect
      .poll(async () => {
        const actions = await table.locator('tbody tr td:nth-child(2)').allTextContents();
        return actions.length > 0 && actions.every((action) => action.startsWith('orgwide.'));
      })
      .toBe(true);
    await screenshot(page, '15-console-audit');
  });

  it('shows a member their own sync status on a phone-sized screen', async () => {
    recordFailures();
    const member = await signInAs(MEMBER, { width: 360, height: 780 });
    await member.goto(`${stack.webUrl}/me`);
    await member.getByRole('heading', { name: 'Calendar', level: 2 }).waitFor();
    expect(await pageWidth(member)).toBeLessThanOrEqual(360);
    await screenshot(member, '16-member-status-mobile');
    await member.context().close();
  });

  it('disconnects behind a typed confirmation, ending on the purge receipt and an empty console', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/disconnect`);
    const button = page.getByRole('button', { name: 'Disconnect and purge data' });
    expect(await button.isDisabled()).toBe(true);
    // The tenant as the admin typed it in the wizard unlocks the button, as DISCONNECT would.
    await page.locator('#confirm-disconnect').fill('contoso.onmicrosoft.com');
    await expect.poll(() => button.isEnabled()).toBe(true);
    await screenshot(page, '17-console-disconnect');
    await button.click();
    const receipt = page.locator('[data-testid="purge-receipt"]');
    await receipt.waitFor({ timeout: SLOW_MS });
    expect(await receipt.textContent()).toContain('Purge receipt');
    await screenshot(page, '18-purge-receipt');

    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByText('Microsoft Enterprise is not connected').waitFor();
  });
});
