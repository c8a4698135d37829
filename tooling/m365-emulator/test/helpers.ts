import { Client } from '@microsoft/microsoft-graph-client';
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';

import type { RunningEmulator } from '../src/index';

/** MSAL configured against the emulator exactly as the product will: only authority and known host differ. */
export function msalApp(
  emu: RunningEmulator,
  tenant: string,
  credential: 'secret' | 'certificate' | { secret: string } = 'secret',
): ConfidentialClientApplication {
  const host = new URL(emu.authorityHost).host;
  const auth: Configuration['auth'] = {
    clientId: emu.app.clientId,
    authority: `${emu.authorityHost}/${tenant}`,
    knownAuthorities: [host],
  };
  if (credential === 'certificate') {
    auth.clientCertificate = {
      thumbprintSha256: emu.app.thumbprintSha256,
      privateKey: emu.app.privateKeyPem,
      x5c: emu.app.certificatePem,
    };
  } else {
    auth.clientSecret = credential === 'secret' ? emu.app.clientSecret : credential.secret;
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

/** App-only token for a tenant through MSAL. */
export async function appToken(emu: RunningEmulator, tenant: string): Promise<string> {
  const result = await msalApp(emu, tenant).acquireTokenByClientCredential({
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
