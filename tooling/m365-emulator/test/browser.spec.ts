import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';

const REDIRECT = 'https://app.rox.example/consent/done';
const INDIVIDUAL_REDIRECT = 'https://app.rox.example/individual/callback';
let emu: RunningEmulator;
let browser: Browser;

beforeAll(async () => {
  emu = await startEmulator({
    seed: 'demo',
    apps: {
      orgwide: { redirectUris: [REDIRECT] },
      individual: { redirectUris: [INDIVIDUAL_REDIRECT] },
    },
  });
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

  it('a member asks for approval, the admin consents from the request in the portal, and Connect again needs no prompt', async () => {
    await emu.control.setConsentPolicy(DEMO_TENANT.id, {
      userConsent: 'notAllowed',
      adminConsentWorkflow: true,
    });
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const landed: string[] = [];
    await context.route(
      (url) => url.href.startsWith(INDIVIDUAL_REDIRECT),
      async (route) => {
        landed.push(route.request().url());
        await route.fulfill({
          status: 200,
          contentType: 'text/html',
          body: '<p id="landed">Rox</p>',
        });
      },
    );
    const member = 'lynne.robbins@contoso.com';
    const connect = `${emu.authorityHost}/organizations/oauth2/v2.0/authorize?${new URLSearchParams(
      {
        client_id: emu.apps.individual.clientId,
        response_type: 'code',
        redirect_uri: INDIVIDUAL_REDIRECT,
        scope: 'openid profile offline_access Calendars.Read Calendars.ReadWrite User.Read',
        state: 'b2',
        prompt: 'select_account',
        login_hint: member,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      },
    ).toString()}`;
    await page.goto(connect);
    await page.click('#signin-lynne-robbins-contoso-com', { timeout: 5000 });
    await page.waitForSelector('#approval-required', { timeout: 5000 });
    const permissions = await page.locator('#requested-permissions li').allTextContents();
    expect(permissions).toEqual(
      expect.arrayContaining([
        'Read user calendars',
        'Have full access to user calendars',
        "View users' basic profile",
        'Maintain access to data you have given it access to',
      ]),
    );
    await page.fill('#justification', 'I want to sync my data to Rox');
    await page.click('#request-approval');
    await page.waitForSelector('#request-sent');

    // The admin, in Entra ID > Enterprise apps > Admin consent requests.
    const admin = await context.newPage();
    await admin.goto(`${emu.baseUrl}/portal/${DEMO_TENANT.id}/enterprise-apps`);
    await admin.click('#nav-consent-requests');
    const [request] = await emu.control.consentRequests(DEMO_TENANT.id);
    await admin.click(`#review-${request?.id ?? ''}`);
    expect(await admin.textContent('#requested-by')).toBe(member);
    expect(await admin.textContent('#justification')).toBe('I want to sync my data to Rox');
    await admin.click('#review-permissions-consent');
    await admin.waitForSelector('#consent-accept');
    expect(await admin.textContent('#app-publisher')).toBe('Rox Data Corp.');
    expect(await admin.locator('#publisher-verified').count()).toBe(1);
    await admin.click('#consent-accept');
    await admin.waitForSelector('#no-consent-requests');
    // Observed: with a second page of the context still open, Chromium's redirect to the app is
    // no longer routed (it goes to DNS). The admin is done, so close it as a reviewer would.
    await admin.close();

    // Connect again: the account picker, then straight back to Rox with a code.
    await page.goto(connect);
    await page.click('#signin-lynne-robbins-contoso-com', { timeout: 5000 });
    await page.waitForSelector('#landed');
    const back = new URL(landed.at(-1) ?? '');
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(back.searchParams.get('state')).toBe('b2');
    await context.close();
  });
});
