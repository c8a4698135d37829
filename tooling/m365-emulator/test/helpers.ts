import https from 'node:https';
import type { AddressInfo } from 'node:net';

import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { Client } from '@microsoft/microsoft-graph-client';

import type { AppKind, RunningEmulator } from '../src/index';

/**
 * MSAL configured against the emulator exactly as the product will: only authority and known host
 * differ. `kind` picks the app registration (org-wide by default).
 */
export function msalApp(
  emu: RunningEmulator,
  tenant: string,
  credential: 'secret' | 'certificate' | 'certificate-sha1' | { secret: string } = 'secret',
  kind: AppKind = 'orgwide',
): ConfidentialClientApplication {
  const app = emu.apps[kind];
  const host = new URL(emu.authorityHost).host;
  const auth: Configuration['auth'] = {
    clientId: app.clientId,
    authority: `${emu.authorityHost}/${tenant}`,
    knownAuthorities: [host],
  };
  if (credential === 'certificate-sha1') {
    auth.clientCertificate = {
      thumbprint: app.thumbprintSha1,
      privateKey: app.privateKeyPem,
    };
  } else if (credential === 'certificate') {
    auth.clientCertificate = {
      thumbprintSha256: app.thumbprintSha256,
      privateKey: app.privateKeyPem,
      x5c: app.certificatePem,
    };
  } else {
    auth.clientSecret = credential === 'secret' ? app.clientSecret : credential.secret;
  }
  return new ConfidentialClientApplication({ auth });
}

export function decodePayload(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** POSTs a form to the emulator with Node's global fetch (which trusts the CA through NODE_EXTRA_CA_CERTS). */
export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Graph SDK client pointed at the emulator: only baseUrl and customHosts differ from production. */
export function graphClient(emu: RunningEmulator, token: () => Promise<string>): Client {
  return Client.init({
    baseUrl: emu.graphBaseUrl,
    customHosts: new Set([new URL(emu.graphBaseUrl).hostname]),
    authProvider: (done) => {
      token().then(
        (t) => done(null, t),
        (e: unknown) => done(e, null),
      );
    },
  });
}

export type Item = Record<string, unknown> & { id: string };

/** Follows a delta round's nextLinks to its deltaLink, sending the same Prefer header on every page. */
export async function walkDelta(
  client: Client,
  url: string,
  prefer: string,
): Promise<{ items: Item[]; deltaLink: string; pages: number }> {
  let page = (await client.api(url).header('Prefer', prefer).get()) as Record<string, unknown>;
  const items: Item[] = [];
  let pages = 1;
  for (;;) {
    items.push(...(page.value as Item[]));
    const next = page['@odata.nextLink'] as string | undefined;
    if (!next) break;
    page = (await client.api(next).header('Prefer', prefer).get()) as Record<string, unknown>;
    pages++;
  }
  return { items, deltaLink: page['@odata.deltaLink'] as string, pages };
}

/** App-only token for a tenant through MSAL (org-wide app by default). */
export async function appToken(
  emu: RunningEmulator,
  tenant: string,
  kind: AppKind = 'orgwide',
): Promise<string> {
  const result = await msalApp(emu, tenant, 'secret', kind).acquireTokenByClientCredential({
    scopes: ['https://graph.microsoft.com/.default'],
    skipCache: true,
  });
  if (!result) throw new Error('no token');
  return result.accessToken;
}

export async function expectGraphError(
  p: Promise<unknown>,
): Promise<{ statusCode: number; code: string; message: string; headers?: Headers }> {
  try {
    await p;
  } catch (e) {
    return e as { statusCode: number; code: string; message: string };
  }
  throw new Error('expected a Graph error');
}

export interface Receiver {
  url: string;
  received: { path: string; body: string }[];
  close(): Promise<void>;
}

/** A webhook receiver over HTTPS with the emulator's localhost certificate; answers validation handshakes. */
export async function startReceiver(
  emu: RunningEmulator,
  options: { delayMs?: number } = {},
): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server = https.createServer(
    { cert: emu.state.material.serverCertPem, key: emu.state.material.serverKeyPem },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'https://localhost');
        const token = url.searchParams.get('validationToken');
        if (token !== null) {
          res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
          return;
        }
        received.push({ path: url.pathname, body: Buffer.concat(chunks).toString('utf8') });
        // A slow receiver: what the emulator emits meanwhile piles up for its next POST.
        setTimeout(() => res.writeHead(202).end(), options.delayMs ?? 0);
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://localhost:${port}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** What the sign-in pages answered: the redirect (with code or error) or the page shown instead. */
export interface SignInOutcome {
  status: number;
  location: URL | undefined;
  html: string;
  cookie: string;
}

/**
 * Drives the emulated sign-in pages like a browser: opens the URL (picker), picks the account and,
 * when given, submits a second step (e.g. `{ action: 'accept' }` on a consent page).
 */
export async function driveSignIn(
  url: string,
  upn: string,
  then?: Record<string, string>,
): Promise<SignInOutcome> {
  const picker = await fetch(url);
  if (picker.status !== 200) throw new Error(`picker answered ${picker.status}`);
  let res = await fetch(url, {
    method: 'POST',
    body: new URLSearchParams({ action: 'signin', user: upn }),
    redirect: 'manual',
  });
  if (then && res.status === 200) {
    res = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({ user: upn, ...then }),
      redirect: 'manual',
    });
  }
  const location = res.headers.get('location');
  return {
    status: res.status,
    location: location ? new URL(location) : undefined,
    html: res.status === 302 ? '' : await res.text(),
    cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
  };
}
