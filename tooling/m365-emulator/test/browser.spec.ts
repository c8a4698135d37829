import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';

const REDIRECT = 'https://app.rox.example/consent/done';
let emu: RunningEmulator;
let browser: Browser;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo', app: { redirectUris: [REDIRECT] } });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
});

afterAll(async () => {
  await browser.close();
  await emu.stop();
});

describe('pages in a real browser', () => {
  it('an admin grants consent by clicking, then revokes one permission in the portal', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    let landed = '';
    // The app's redirect URI is not reachable here; capture the redirect instead.
    await page.route(`${REDIRECT}**`, async (route) => {
      landed = route.request().url();
      await route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: '<p id="landed">back in the app</p>',
      });
    });
    const q = new URLSearchParams({
      client_id: emu.app.clientId,
      scope: 'https://graph.microsoft.com/.default',
      redirect_uri: REDIRECT,
      state: 'b1',
    });
    await page.goto(
      `${emu.authorityHost}/${DEMO_TENANT.verifiedDomain}/v2.0/adminconsent?${q.toString()}`,
    );
    await page.click('#signin-admin-contoso-onmicrosoft-com');
    await page.waitForSelector('#consent-accept');
    expect(await page.textContent('#app-publisher')).toBe('Rox Data Corp.');
    await page.click('#consent-accept');
    await page.waitForSelector('#landed');
    const url = new URL(landed);
    expect(url.searchParams.get('admin_consent')).toBe('True');
    expect(url.searchParams.get('tenant')).toBe(DEMO_TENANT.id);

    await page.goto(`${emu.baseUrl}/portal/${DEMO_TENANT.id}/enterprise-apps`);
    await page.click(`#app-${emu.app.clientId}`);
    await page.click('#revoke-mail-send');
    await page.waitForSelector('#granted-mail-read');
    expect(await page.locator('#granted-mail-send').count()).toBe(0);
    expect((await emu.control.tenant(DEMO_TENANT.id)).servicePrincipal?.grantedRoles).not.toContain(
      'Mail.Send',
    );

    await page.click('#nav-access-policies');
    await page.fill('#test-identity', DEMO_TENANT.users.policyRestricted);
    await page.click('#test-policy');
    expect(await page.textContent('#access-check-result')).toBe('Denied');
    await context.close();
  });
});
