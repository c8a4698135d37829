import { readFile } from 'node:fs/promises';

import { type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

import { startStack, type Stack } from '@rox365/dev/stack';

import { launchChromium, newPage, saveFailure, screenshot } from './support/browser';

// One real stack (emulator with the Contoso demo tenant, API, worker, built SPA) for the whole
// journey; the steps build on each other in the order seed 000 gives the admin: settings, the
// security group, Microsoft's consent, the to-do list, recovery, and finally disconnecting.
const ADMIN = 'Isaiah Langer';
const ADMIN_UPN = 'isaiah.langer@contoso.com';
const MEMBER = 'Megan Bowen';
const SYNCED_MEMBER = 'Alex Wilber';
const SYNCED_EMAIL = 'Alex.Wilber@contoso.com';
const POLICY_DENIED = 'joni.sherman@contoso.com';
const SLOW_MS = 60_000;
const PHONE = { width: 360, height: 780 };
const DESKTOP = { width: 1280, height: 860 };
const CONSOLE_TABS = [
  'Overview',
  'Settings',
  'Permissions',
  'Access policy',
  'Members',
  'Audit log',
  'Disconnect',
];

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

  /**
   * Opens a member's calendar or mail sync in the console until the worker's first rounds are
   * done: each opening reads the channel afresh.
   */
  async function syncedPanel(row: Locator, kind: 'Calendar' | 'Mail', name: string) {
    const button = row.getByRole('button', { name: `${kind} sync of ${name}` });
    const status = row.locator(`[data-testid="${kind.toLowerCase()}-sync-status"]`);
    await expect
      .poll(
        async () => {
          if ((await button.getAttribute('aria-expanded')) === 'true') await button.click();
          await button.click();
          await status.waitFor();
          await page.waitForLoadState('networkidle');
          return status.locator('[data-testid="sync-state"]').textContent();
        },
        { timeout: SLOW_MS, interval: 1000 },
      )
      .toBe('Up to date');
    return status;
  }

  // Nothing may force sideways scrolling on a 360 px phone.
  function pageWidth(target: Page): Promise<number> {
    return target.evaluate(() => document.documentElement.scrollWidth);
  }

  async function walkWizard(): Promise<void> {
    await page.goto(`${stack.webUrl}/integrations/microsoft/connect`);
    await page.getByText('Step 1 of 5').waitFor();
    await page.locator('input[name="calendarAccess"][value="read_write"]').check();
    // Two-way sync asks whether Rox may cancel meetings; the default asks the person each time.
    expect(
      await page.locator('input[name="calendarMeetingDeletes"][value="confirm"]').isChecked(),
    ).toBe(true);
    await screenshot(page, '03-wizard-calendar');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('input[name="emailAccess"][value="metadata"]').check();
    await page.locator('#restricted-domains').fill('lawfirm.example');
    // A member's own folder by path: a malformed one is refused in words, a good one is listed
    // and can be removed again (the journey syncs Inbox and Sent Items only).
    const folderPath = page.locator('#extra-mail-folder-path');
    await folderPath.fill('Inbox//Customers');
    await page.getByRole('button', { name: 'Add folder' }).click();
    expect(await page.locator('#extra-mail-folder-path-error').textContent()).toMatch(
      /is not a folder path/,
    );
    await folderPath.fill('Inbox/Customers');
    await folderPath.press('Enter');
    expect(await page.locator('[data-folder-path]').allTextContents()).toEqual(['Inbox/Customers']);
    expect(await page.locator('#extra-mail-folder-path-error').count()).toBe(0);
    await page.getByRole('button', { name: 'Remove Inbox/Customers' }).click();
    expect(await page.locator('[data-folder-path]').count()).toBe(0);
    await screenshot(page, '04-wizard-email');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('#tenant').fill('contoso.onmicrosoft.com');
    await screenshot(page, '05-wizard-tenant');
    await page.getByRole('button', { name: 'Next' }).click();
    // Seed 000 step 8 before step 9: the security group's PowerShell, before Microsoft.
    await page.getByText('Step 4 of 5').waitFor();
    await page.locator('[data-testid="policy-script"]').waitFor({ timeout: SLOW_MS });
  }

  async function toReview(): Promise<void> {
    await page.getByRole('button', { name: 'Next' }).click();
    await page
      .getByRole('heading', { name: /Permissions Microsoft will ask you to accept/ })
      .waitFor();
    // Connect answers a moment after the review appears (a double-click on Next never connects).
    await page
      .getByRole('button', { name: 'Connect and open Microsoft', disabled: false })
      .waitFor();
  }

  /**
   * Microsoft's side, as the emulator plays it: the administrator's sign-in (account, and the
   * sign-in consent if asked), then the admin-consent page, where `choice` is made. Ends back
   * on Rox's result page.
   */
  async function throughMicrosoft(choice: 'accept' | 'cancel'): Promise<string | null> {
    for (let step = 0; step < 8; step += 1) {
      const next = page.locator('#login, #consent-title, h1[data-outcome]').first();
      await next.waitFor({ timeout: SLOW_MS });
      if (await page.locator('h1[data-outcome]').count()) {
        return page.locator('h1').getAttribute('data-outcome');
      }
      // Every step is a form post that loads a new document (the same URL, at times).
      const loaded = page.waitForEvent('load', { timeout: SLOW_MS });
      if (await page.locator('#login').count()) {
        // The sign-in, and again on the admin-consent page when Microsoft asks for the account.
        await page.locator('#login').fill(ADMIN_UPN);
        await page.locator('#signin-submit').click();
      } else if (await page.locator('#tenant-name').count()) {
        // The admin-consent page names the tenant the grant is for.
        await page.locator(choice === 'accept' ? '#consent-accept' : '#consent-cancel').click();
      } else {
        // The sign-in's own consent ("Sign you in and read your profile").
        await page.locator('#consent-accept').click();
      }
      await loaded;
    }
    throw new Error('Microsoft pages did not lead back to Rox');
  }

  it('keeps members out of admin screens', async () => {
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

  it('keeps the sign-in for the whole browser: a new tab is signed in, with no token in storage', async () => {
    recordFailures();
    page = await signInAs(ADMIN);
    const tab = await page.context().newPage();
    await tab.goto(`${stack.webUrl}/console`);
    await tab.getByRole('heading', { name: 'Admin console', level: 1 }).waitFor();
    const stored = await tab.evaluate(() =>
      JSON.stringify({ ...localStorage, ...sessionStorage, cookie: document.cookie }),
    );
    expect(stored).not.toMatch(/eyJ/); // no JWT readable by the page
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'rox365_session')?.httpOnly).toBe(true);
    await tab.close();
  });

  it('offers the access-policy PowerShell before consent, then reviews the eight permissions', async () => {
    recordFailures();
    await expect
      .poll(() => page.locator('[data-testid="enterprise-state"]').textContent())
      .toMatch(/Not connected|Ready to connect/);
    await screenshot(page, '02-integrations');

    await walkWizard();
    const script = (await page.locator('pre code').textContent()) ?? '';
    expect(script).toContain('New-DistributionGroup');
    expect(script).toContain('New-ApplicationAccessPolicy');
    expect(script).toMatch(/Test-ApplicationAccessPolicy -Identity '[^<]/);
    expect(script.trimEnd().split('\n').at(-1)).toMatch(/Test-ApplicationAccessPolicy/);
    // No line is cut off: the box wraps instead of scrolling sideways.
    const pre = page.locator('pre');
    expect(await pre.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await screenshot(page, '20-wizard-access-policy');

    await toReview();
    const plan = page.locator('[data-testid="permission-plan"] li');
    expect(await plan.count()).toBe(8);
    const needed = await page
      .locator('[data-testid="permission-plan"] li', { hasText: 'Needed' })
      .locator('code')
      .allTextContents();
    expect(needed).toEqual([
      'Mail.ReadBasic.All',
      'Calendars.ReadWrite',
      'MailboxSettings.Read',
      'Directory.Read.All',
    ]);
    // The Entra steps name the org-wide app as configured.
    expect(await page.locator('main').textContent()).toContain('Rox Orgwide Integration');
    await screenshot(page, '06-wizard-review');
    await page.setViewportSize(PHONE);
    expect(await pageWidth(page)).toBeLessThanOrEqual(360);
    await screenshot(page, '19-wizard-review-mobile');
    await page.setViewportSize(DESKTOP);
  });

  it('comes back from a cancelled consent with the reason and what to do next', async () => {
    recordFailures();
    await page.getByRole('button', { name: 'Connect and open Microsoft' }).click();
    expect(await throughMicrosoft('cancel')).toBe('cancelled');
    expect(await page.locator('h1').textContent()).toContain('Consent was cancelled');
    await screenshot(page, '07-result-cancelled');
  });

  it('connects after Accept on the consent page and opens the console', async () => {
    recordFailures();
    await walkWizard();
    await toReview();
    await page.getByRole('button', { name: 'Connect and open Microsoft' }).click();
    expect(['connected', 'connected_with_missing_permissions']).toContain(
      await throughMicrosoft('accept'),
    );
    await screenshot(page, '08-result-connected');

    await page.getByRole('link', { name: 'Open the admin console' }).click();
    await expect
      .poll(() => page.locator('[data-testid="console-state"]').textContent(), { timeout: SLOW_MS })
      .toMatch(/Connected/);
  });

  it('runs a directory sync and tells the truth about what Rox does', async () => {
    recordFailures();
    const button = page.getByRole('button', { name: 'Sync directory now' });
    // Connecting may already have queued a first sync; the button waits for it.
    await expect.poll(() => button.isEnabled(), { timeout: SLOW_MS, interval: 500 }).toBe(true);
    await button.click();
    await expect
      .poll(() => page.locator('[data-testid="directory-state"]').textContent(), {
        timeout: SLOW_MS,
        interval: 500,
      })
      .toContain('Up to date');
    await expect.poll(() => button.isEnabled(), { timeout: SLOW_MS, interval: 250 }).toBe(true);
    expect(await page.getByRole('progressbar').count()).toBe(0);

    // What runs is what the settings use and the grant allows: the directory, two-way calendar
    // and email metadata; sending is not configured, so it is not listed, and nothing is "not yet".
    const running = (await page.locator('[data-testid="capabilities"] li').allTextContents()).join(
      '\n',
    );
    expect(running).toMatch(/Directory sync/);
    expect(running).toMatch(/calendar/i);
    expect(running).toMatch(/Email activity tracking/);
    expect(await page.locator('[data-testid="capabilities-not-yet"]').count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toMatch(/Sending email from Rox/);
    expect(await page.locator('[data-testid="connected-by"]').textContent()).toContain(ADMIN);
    // The to-do list after consent: nothing ticked yet.
    const checklist = page.locator('[data-testid="setup-checklist"]');
    await expect
      .poll(() => checklist.locator('[data-item="revoke_excess"]').getAttribute('data-done'))
      .toBe('false');
    expect(await checklist.textContent()).toMatch(/Conditional Access/);
    await screenshot(page, '09-console-overview');
  });

  it('disables and explains individual connections while org-wide is connected', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/integrations`);
    const mail = page.locator('#tile-mail').locator('xpath=ancestor::article');
    await mail.getByText('Your organisation connected Microsoft 365 for everyone').waitFor();
    expect(await mail.getByRole('button', { name: 'Connect Outlook Mail' }).isDisabled()).toBe(
      true,
    );
  });

  it('reports excess permissions with the Entra steps said once', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/permissions`);
    const excess = page.locator('[data-testid="excess-permissions"]');
    await excess.waitFor();
    expect(await excess.textContent()).toContain('Mail.Send');
    expect(await page.locator('[data-testid="entra-steps"]').count()).toBe(1);
    expect(await page.locator('[data-testid="entra-steps"]').textContent()).toContain(
      'Rox Orgwide Integration',
    );
    // The broader grant is the extra one, not the other way round.
    const readWrite = await excess.locator('li', { hasText: 'Mail.ReadWrite' }).textContent();
    expect(readWrite).toMatch(/Mail\.\S+ is granted too and already gives Rox everything/);
    expect(await page.locator('main').textContent()).not.toContain('covered by a broader grant');
    await screenshot(page, '10-console-permissions');
  });

  it('generates the access-policy script and probes a policy-restricted member as denied', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/access-policy`);
    await page.getByRole('button', { name: 'Test all members' }).click();
    const joni = page.locator(`tr[data-member="${POLICY_DENIED}"]`);
    await expect
      .poll(() => joni.textContent(), { timeout: SLOW_MS, interval: 500 })
      .toContain('Denied by policy');

    await page.locator('#group-name').fill('RoxPilotUsers');
    const generate = page.getByRole('button', { name: 'Generate PowerShell' });
    await generate.click();
    await page.locator('pre code').waitFor();
    const script = (await page.locator('pre code').textContent()) ?? '';
    expect(script).toContain('New-ApplicationAccessPolicy');
    // Joni is blocked by another policy: flagged, not added.
    expect(await page.locator('[data-testid="policy-flagged"]').textContent()).toContain(
      POLICY_DENIED,
    );
    expect(script).not.toContain(`-Member '${POLICY_DENIED}'`);
    expect(script.match(/^Test-ApplicationAccessPolicy/gm)).toHaveLength(2);
    // The download (streamed by the API, with the session cookie) is the same script.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /Download the script/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('rox-access-policy.ps1');
    const downloaded = await readFile((await download.path()) ?? '', 'utf8');
    expect(downloaded).toContain("-Name 'RoxPilotUsers'");
    expect(downloaded.trimEnd()).toBe(script.trimEnd());
    // The button is sized to its label and "Re-test" stays on one line.
    expect((await generate.boundingBox())?.width ?? 999).toBeLessThan(260);
    const retest = page.getByRole('button', { name: `Re-test ${POLICY_DENIED}` });
    expect((await retest.boundingBox())?.height ?? 999).toBeLessThan(40);
    await screenshot(page, '11-console-access-policy');
  });

  it('changes a member’s scope with a per-member override, as cards on a phone', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/members`);
    const megan = page.locator('tr[data-member="megan.bowen@contoso.com"]');
    await megan.waitFor();
    const calendarCell = megan.locator('td').nth(2);
    expect(await calendarCell.textContent()).toContain('Read and write');

    await megan.locator('select').first().selectOption('off');
    await megan.getByRole('button', { name: `Save access for ${MEMBER}` }).click();
    await expect
      .poll(() => calendarCell.textContent(), { timeout: SLOW_MS })
      .toMatch(/Out of scope|Off/);
    await screenshot(page, '12-console-members');
    await page.setViewportSize(PHONE);
    expect(await pageWidth(page)).toBeLessThanOrEqual(360);
    await screenshot(page, '24-console-members-mobile');
    await page.setViewportSize(DESKTOP);
  });

  it('shows each member’s calendar and mail sync in the console, on a desktop and on a phone', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/members`);
    const alex = page.locator(`tr[data-member="${SYNCED_EMAIL}"]`);
    await alex.waitFor();
    const calendar = await syncedPanel(alex, 'Calendar', SYNCED_MEMBER);
    expect(await calendar.locator('[data-testid="calendar-event-count"]').textContent()).toMatch(
      /^[1-9]\d* events?$/,
    );
    expect(await calendar.locator('[data-testid="calendar-last-sync"]').textContent()).not.toMatch(
      /Never/,
    );
    const mail = await syncedPanel(alex, 'Mail', SYNCED_MEMBER);
    expect(await mail.locator('[data-testid="mail-message-count"]').textContent()).toMatch(
      /^[1-9]\d* messages?$/,
    );
    expect(await mail.locator('[data-folder="inbox"]').textContent()).toContain('Up to date');

    // Megan's calendar override is off: nothing synced, the scope's reason beside it.
    const megan = page.locator('tr[data-member="megan.bowen@contoso.com"]');
    await megan.getByRole('button', { name: `Calendar sync of ${MEMBER}` }).click();
    const meganCalendar = megan.locator('[data-testid="calendar-sync-status"]');
    await meganCalendar.waitFor();
    expect(await meganCalendar.getAttribute('data-status')).toBe('not_in_scope');
    expect(await meganCalendar.textContent()).toContain('Nothing from this calendar is stored.');
    await alex.scrollIntoViewIfNeeded();
    await screenshot(page, '26-console-member-sync');

    await page.setViewportSize(PHONE);
    expect(await pageWidth(page)).toBeLessThanOrEqual(360);
    expect(await calendar.isVisible()).toBe(true);
    expect(await mail.isVisible()).toBe(true);
    await screenshot(page, '27-console-member-sync-mobile');
    await page.setViewportSize(DESKTOP);
  });

  it('shows a member their calendar channel, the last events synced and their mail', async () => {
    recordFailures();
    const member = await signInAs(SYNCED_MEMBER);
    await member.goto(`${stack.webUrl}/me`);
    const calendar = member.locator('[data-testid="my-calendar"]');
    await calendar
      .locator('[data-testid="recent-events"] li')
      .first()
      .waitFor({ timeout: SLOW_MS });
    expect(await calendar.locator('[data-testid="sync-state"]').textContent()).toBe('Up to date');
    const events = await calendar.locator('[data-testid="recent-events"] li').count();
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThanOrEqual(5);
    const mail = member.locator('[data-testid="my-mail"]');
    await mail.locator('[data-testid="mail-sync-status"]').waitFor();
    expect(await mail.locator('[data-testid="sync-state"]').textContent()).toBe('Up to date');
    expect(await member.locator('main').textContent()).not.toMatch(/Not syncing yet|this member/);
    await screenshot(member, '28-my-sync-status');

    await member.setViewportSize(PHONE);
    expect(await pageWidth(member)).toBeLessThanOrEqual(360);
    await screenshot(member, '29-my-sync-status-mobile');
    await member.context().close();
  });

  it('after a revoked permission, one advice everywhere: grant admin consent again, no disconnect', async () => {
    recordFailures();
    const portal = await newPage(browser);
    await portal.goto(`${stack.portalUrl}`);
    await portal.locator('#tenant-contoso-onmicrosoft-com').click();
    await portal.locator('#enterprise-app-orgwide a[id^="app-"]').click();
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

    await page.getByRole('link', { name: 'Overview' }).click();
    const reasons = page.locator('[data-testid="degraded-reasons"]');
    await reasons.waitFor();
    expect(await reasons.textContent()).toContain('Grant admin consent again');
    expect(await reasons.textContent()).not.toMatch(/disconnect first/i);
    await screenshot(page, '22-console-degraded');

    // A fresh admin-consent link for the same tenant: nothing is disconnected or purged.
    await page.getByRole('button', { name: 'Grant admin consent again' }).first().click();
    expect(['connected', 'connected_with_missing_permissions']).toContain(
      await throughMicrosoft('accept'),
    );
    await page.goto(`${stack.webUrl}/console/permissions`);
    await page.getByRole('button', { name: 'Re-check permissions' }).click();
    await expect
      .poll(() => page.locator('main').textContent(), { timeout: SLOW_MS, interval: 500 })
      .toContain('Nothing is missing');
    const members = await page.goto(`${stack.webUrl}/console/members`);
    expect(members?.ok()).toBe(true);
    await page.locator('tr[data-member="megan.bowen@contoso.com"]').waitFor();
  });

  it('edits the settings while connected, on its own screen that says what changed', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/settings`);
    await page.locator('input[name="calendarAccess"][value="read"]').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    const saved = page.locator('[data-testid="settings-saved"]');
    await saved.waitFor({ timeout: SLOW_MS });
    expect(await saved.locator('[data-testid="settings-changes"]').textContent()).toContain(
      'Calendar access: Read and write → Read only',
    );
    expect(await saved.locator('[data-testid="grant-changes"]').textContent()).toContain(
      'Calendars.ReadWrite',
    );
    expect(await page.locator('main').textContent()).not.toMatch(/Conflict/);
    await screenshot(page, '21-console-settings');
  });

  it('ticks off the to-do list once the excess permissions are revoked and re-checked', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/permissions`);
    await page.locator('[data-testid="excess-permissions"]').waitFor();
    const excess = await page
      .locator('[data-testid="excess-permissions"] li code')
      .allTextContents();
    expect(excess.length).toBeGreaterThan(0);
    const portal = await newPage(browser);
    await portal.goto(`${stack.portalUrl}`);
    await portal.locator('#tenant-contoso-onmicrosoft-com').click();
    await portal.locator('#enterprise-app-orgwide a[id^="app-"]').click();
    for (const permission of excess) {
      const slug = permission.toLowerCase().replaceAll('.', '-');
      await portal.locator(`#revoke-${slug}`).click();
      await portal.locator(`#granted-${slug}`).waitFor({ state: 'detached' });
    }
    await portal.context().close();

    await page.getByRole('button', { name: 'Re-check permissions' }).click();
    await expect
      .poll(() => page.locator('main').textContent(), { timeout: SLOW_MS, interval: 500 })
      .toContain('No excess permissions');
    await page.getByRole('link', { name: 'Overview' }).click();
    const checklist = page.locator('[data-testid="setup-checklist"]');
    await expect
      .poll(() => checklist.locator('[data-item="revoke_excess"]').getAttribute('data-done'))
      .toBe('true');
    await checklist.getByLabel(/I have checked Conditional Access/).check();
    await expect
      .poll(() => checklist.locator('[data-item="confirm_policies"]').getAttribute('data-done'))
      .toBe('true');
    // Joni's probe shows an access policy in place; the optional item ticks off too once the
    // probes the overview reads on opening have arrived.
    await expect
      .poll(() => checklist.locator('[data-item="restrict_users"]').getAttribute('data-done'))
      .toBe('true');
    await screenshot(page, '25-console-checklist-done');
  });

  it('lists what happened in the audit log, by name, filtered by a person', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/audit`);
    const table = page.locator('[data-testid="audit-table"]');
    await table.waitFor();
    // Actions read as words, with their code (what the filter takes) under them.
    expect(await table.textContent()).toContain('Connection settings changed');
    expect(await table.textContent()).toContain('orgwide.settings-updated');
    await expect
      .poll(() => table.locator('[data-testid="audit-actor"]').allTextContents())
      .toContainEqual(expect.stringContaining(ADMIN));
    expect(await table.textContent()).not.toContain('u_isaiah');
    expect(await table.textContent()).toContain('Read and write → Read only');

    await page.locator('#audit-actor').fill('Isaiah');
    await page.getByRole('button', { name: /Isaiah Langer/ }).click();
    await page.locator('#audit-action').fill('orgwide.*');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect
      .poll(async () => {
        const actions = await table.locator('[data-testid="audit-action-code"]').allTextContents();
        const actors = await table.locator('[data-testid="audit-actor"]').allTextContents();
        return (
          actions.length > 0 &&
          actions.every((action) => action.startsWith('orgwide.')) &&
          actors.every((actor) => actor.includes(ADMIN))
        );
      })
      .toBe(true);
    await screenshot(page, '15-console-audit');
    // At 1280 px the details get room (not a word per line) and the table fits its box.
    const details = table.locator('td.details').first();
    expect(await details.evaluate((td) => td.getBoundingClientRect().width)).toBeGreaterThan(400);
    expect(
      await page.locator('.table-scroll').evaluate((box) => box.scrollWidth <= box.clientWidth),
    ).toBe(true);

    // A filter that can match nothing says why under the field; the entries stay.
    await page.locator('#audit-action').fill('Orgwide');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect
      .poll(() => page.locator('#audit-action-error').textContent())
      .toContain('lower case');
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(0);
  });

  it('keeps every console tab reachable at 360 px, with no sideways scroll', async () => {
    recordFailures();
    await page.setViewportSize(PHONE);
    await page.goto(`${stack.webUrl}/console`);
    await page.locator('[data-testid="console-state"]').waitFor();
    for (const label of CONSOLE_TABS) {
      const tab = page.getByRole('navigation', { name: 'Admin console' }).getByRole('link', {
        name: label,
        exact: true,
      });
      await tab.scrollIntoViewIfNeeded();
      await tab.click();
      await expect.poll(() => tab.getAttribute('aria-current')).toBe('page');
      await page.waitForLoadState('networkidle');
      expect(await pageWidth(page), label).toBeLessThanOrEqual(360);
      if (label === 'Overview') {
        // More tabs than fit: a visible hint says the row scrolls.
        expect(await page.locator('.tabs-hint--right').count()).toBe(1);
        await screenshot(page, '23-console-tabs-mobile');
      }
    }
    await page.setViewportSize(DESKTOP);
  });

  it('shows a member their own sync status on a phone-sized screen, in member wording', async () => {
    recordFailures();
    const member = await signInAs(MEMBER, PHONE);
    await member.goto(`${stack.webUrl}/me`);
    await member.getByRole('heading', { name: 'Calendar', level: 2 }).waitFor();
    await member.locator('[data-testid="calendar-sync-status"]').waitFor();
    await member.locator('[data-testid="mail-sync-status"]').waitFor();
    expect(await pageWidth(member)).toBeLessThanOrEqual(360);
    const text = (await member.locator('main').textContent()) ?? '';
    // Megan's calendar override is off: the next step is a request to the admin.
    expect(text).toContain('Ask your admin to');
    expect(text).not.toMatch(/for this member/);
    await screenshot(member, '16-member-status-mobile');
    await member.context().close();
  });

  it('disconnects behind a typed confirmation, ending on the purge receipt and an empty console', async () => {
    recordFailures();
    await page.goto(`${stack.webUrl}/console/disconnect`);
    const button = page.getByRole('button', { name: 'Disconnect and purge data' });
    expect(await button.isDisabled()).toBe(true);
    // Only what runs and the settings use is listed: calendar events and email messages are
    // synced (two-way calendar, email metadata).
    const removes = await page.locator('[data-testid="disconnect-removes"]').textContent();
    expect(removes).toMatch(/calendar events/);
    expect(removes).toMatch(/email messages/);
    await page.locator('#confirm-disconnect').fill('contoso.onmicrosoft.com');
    await expect.poll(() => button.isEnabled()).toBe(true);
    await screenshot(page, '17-console-disconnect');
    await button.click();
    const receipt = page.locator('[data-testid="purge-receipt"]');
    await receipt.waitFor({ timeout: SLOW_MS });
    expect(await receipt.textContent()).toContain('Purge receipt');
    // The members' synced calendar events and email messages are counted, first and in words.
    expect(await receipt.locator('[data-testid="purged-events"]').textContent()).toMatch(
      /^[1-9]\d* calendar events?$/,
    );
    expect(await receipt.locator('[data-testid="purged-messages"]').textContent()).toMatch(
      /^[1-9]\d* email messages?$/,
    );
    expect(await receipt.textContent()).not.toMatch(/calendar_event|mail_message/);
    await screenshot(page, '18-purge-receipt');

    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByText('Microsoft Enterprise is not connected').waitFor();
  });
});
