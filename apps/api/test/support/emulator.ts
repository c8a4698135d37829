import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Logger } from 'pino';

import {
  DEMO_FABRIKAM_TENANT,
  DEMO_TENANT,
  seedSpecs,
  startEmulator,
  type RunningEmulator,
  type StartEmulatorOptions,
} from '@rox365/m365-emulator';

import { startTestApp, type TestApp } from './test-app';

/** The path Microsoft redirects the admin to after admin consent. */
export const CONSENT_CALLBACK_PATH = '/api/v1/orgwide/consent/callback';

/** The path Microsoft redirects a member to after their own (individual) sign-in. */
export const INDIVIDUAL_CALLBACK_PATH = '/api/v1/individual-connections/callback';

/** Where the SPA is said to live in tests; the API only ever redirects there, nothing serves it. */
export const TEST_WEB_APP_URL = 'http://web.rox365.test';

/** A port that was free a moment ago (the API must know its own URL before it boots). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts an emulator for one test file (demo seed unless told otherwise) with the API's consent
 * callback registered on the org-wide app and the individual callback on the individual app.
 * Its tenants get ids of their own, as real tenants do: a tenant may be connected to one org at
 * a time, and no two emulators of a run share one.
 */
export async function startTestEmulator(
  publicApiUrl: string,
  options: StartEmulatorOptions = {},
): Promise<RunningEmulator> {
  const seed = seedSpecs(options.seed ?? 'demo').map((spec) =>
    spec.id ? spec : { ...spec, id: randomUUID() },
  );
  return startEmulator({
    port: 0,
    tls: true,
    ...options,
    seed,
    apps: {
      ...options.apps,
      orgwide: {
        ...options.apps?.orgwide,
        redirectUris: [
          `${publicApiUrl}${CONSENT_CALLBACK_PATH}`,
          ...(options.apps?.orgwide?.redirectUris ?? []),
        ],
      },
      individual: {
        ...options.apps?.individual,
        redirectUris: [
          `${publicApiUrl}${INDIVIDUAL_CALLBACK_PATH}`,
          ...(options.apps?.individual?.redirectUris ?? []),
        ],
      },
    },
  });
}

/** The id of one of the emulator's tenants by domain (unique per test file). */
export function tenantIdOf(emu: RunningEmulator, domain: string): string {
  const tenant = emu.state.findTenant(domain);
  if (!tenant) throw new Error(`the emulator has no tenant ${domain}`);
  return tenant.id;
}

/** The API's MS_* variables pointed at an emulator, with the secret or the certificate. */
export function emulatorEnv(
  emu: RunningEmulator,
  credential: 'secret' | 'certificate' = 'secret',
): Record<string, string> {
  return {
    MS_AUTHORITY_HOST: emu.authorityHost,
    MS_GRAPH_BASE_URL: emu.graphBaseUrl,
    ...appEnv('MS_ORGWIDE', emu.apps.orgwide, credential),
    ...appEnv('MS_INDIVIDUAL', emu.apps.individual, credential),
  };
}

function appEnv(
  prefix: string,
  app: RunningEmulator['apps']['orgwide'],
  credential: 'secret' | 'certificate',
): Record<string, string> {
  const env: Record<string, string> = {
    [`${prefix}_CLIENT_ID`]: app.clientId,
    [`${prefix}_APP_DISPLAY_NAME`]: app.displayName,
  };
  if (credential === 'secret') {
    return {
      ...env,
      [`${prefix}_CREDENTIAL_KIND`]: 'secret',
      [`${prefix}_CLIENT_SECRET`]: app.clientSecret,
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'rox365-cert-'));
  const certFile = join(dir, 'app.crt.pem');
  const keyFile = join(dir, 'app.key.pem');
  writeFileSync(certFile, app.certificatePem);
  writeFileSync(keyFile, app.privateKeyPem, { mode: 0o600 });
  return {
    ...env,
    [`${prefix}_CREDENTIAL_KIND`]: 'certificate',
    [`${prefix}_CLIENT_CERT_FILE`]: certFile,
    [`${prefix}_CLIENT_KEY_FILE`]: keyFile,
    [`${prefix}_CLIENT_CERT_THUMBPRINT`]: app.thumbprintSha1,
  };
}

export interface ApiWithEmulator {
  api: TestApp;
  emu: RunningEmulator;
  /** The API's own origin, e.g. http://127.0.0.1:41234 (also its PUBLIC_API_URL). */
  apiUrl: string;
  /** This file's Contoso tenant id. */
  tenantId: string;
  /** This file's Fabrikam tenant id (demo seed only; '' otherwise). */
  fabrikamId: string;
  close: () => Promise<void>;
}

/**
 * Boots the HTTP API on a real port with MS_* pointed at a fresh emulator (started here unless
 * one is given), so browser-like redirects between the two work end to end.
 */
export async function startApiWithEmulator(
  options: {
    emulator?: StartEmulatorOptions;
    credential?: 'secret' | 'certificate';
    env?: Record<string, string>;
    logger?: Logger;
    /**
     * Graph change notifications on: the API's own origin is its NOTIFICATIONS_PUBLIC_URL, and
     * the emulator accepts its plain-http loopback URL (its local-development allowance).
     */
    notifications?: boolean;
  } = {},
): Promise<ApiWithEmulator> {
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const emulatorOptions: StartEmulatorOptions = options.notifications
    ? {
        ...options.emulator,
        settings: { ...options.emulator?.settings, allowLoopbackHttpNotificationUrls: true },
      }
    : (options.emulator ?? {});
  const emu = await startTestEmulator(apiUrl, emulatorOptions);
  const api = await startTestApp(
    {
      ...emulatorEnv(emu, options.credential),
      HTTP_PORT: String(port),
      PUBLIC_API_URL: apiUrl,
      WEB_APP_URL: TEST_WEB_APP_URL,
      ...(options.notifications ? { NOTIFICATIONS_PUBLIC_URL: apiUrl } : {}),
      ...options.env,
    },
    options.logger ? { logger: options.logger } : {},
  );
  await api.app.listen(port, '127.0.0.1');
  return {
    api,
    emu,
    apiUrl,
    tenantId: tenantIdOf(emu, DEMO_TENANT.initialDomain),
    fabrikamId: emu.state.findTenant(DEMO_FABRIKAM_TENANT.initialDomain)?.id ?? '',
    close: async () => {
      await api.close();
      await emu.stop();
    },
  };
}

export type ConsentAction = 'accept' | 'cancel' | 'not_admin';

/**
 * Walks Microsoft's admin-consent pages like a browser: opens the consent URL, picks `user` on
 * the account picker, then presses Accept or Cancel (or, for a non-admin, "return to the
 * application"). Returns the URL Microsoft redirects to (the API's callback, not yet followed).
 */
export async function driveAdminConsent(
  consentUrl: string,
  user: string,
  action: ConsentAction,
): Promise<URL> {
  const page = await fetch(consentUrl, { redirect: 'manual' });
  if (page.status !== 200) {
    throw new Error(`consent page answered ${page.status}: ${await page.text()}`);
  }
  await page.text();
  const post = (form: Record<string, string>) =>
    fetch(consentUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  const signedIn = await post({ action: 'signin', user });
  await signedIn.text();
  let final: Response;
  if (action === 'not_admin') {
    if (signedIn.status !== 403)
      throw new Error(`expected "Need admin approval", got ${signedIn.status}`);
    final = await post({ action: 'back', user });
  } else {
    if (signedIn.status !== 200) throw new Error(`sign-in answered ${signedIn.status}`);
    final = await post({ action, user });
  }
  await final.text();
  const location = final.headers.get('location');
  if (final.status !== 302 || !location) {
    throw new Error(`expected a redirect to the app, got ${final.status}`);
  }
  return new URL(location);
}

/**
 * Walks Microsoft's sign-in pages like a browser: opens the authorize URL, picks `user`, and
 * accepts a consent prompt if one appears. Returns where Microsoft redirects (the API's callback
 * with a code, or with an error), not yet followed.
 */
export async function driveSignIn(authorizeUrl: string, user: string): Promise<URL> {
  const picker = await fetch(authorizeUrl, { redirect: 'manual' });
  if (picker.status !== 200) {
    throw new Error(`sign-in page answered ${picker.status}: ${await picker.text()}`);
  }
  await picker.text();
  const post = (form: Record<string, string>) =>
    fetch(authorizeUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  let res = await post({ action: 'signin', user });
  if (res.status === 200) {
    await res.text();
    res = await post({ action: 'accept', user });
  }
  const body = await res.text();
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) {
    throw new Error(`expected a redirect to the app, got ${res.status}: ${body.slice(0, 300)}`);
  }
  return new URL(location);
}

/**
 * Follows a redirect to the API (as the browser would, with the browser's API cookie) and returns
 * where the API sends it next.
 */
export async function followToApi(
  url: URL | string,
  cookie?: string,
): Promise<{ status: number; location: URL | null }> {
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  await res.text();
  const location = res.headers.get('location');
  return { status: res.status, location: location ? new URL(location) : null };
}
