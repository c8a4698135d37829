import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';

import type { RunningEmulator } from '../src/index';

/** MSAL configured against the emulator exactly as the product will: only authority and known host differ. */
export function msalApp(emu: RunningEmulator, tenant: string, credential: 'secret' | 'certificate' | { secret: string } = 'secret'): ConfidentialClientApplication {
  const host = new URL(emu.authorityHost).host;
  const auth: Configuration['auth'] = {
    clientId: emu.app.clientId,
    authority: `${emu.authorityHost}/${tenant}`,
    knownAuthorities: [host],
  };
  if (credential === 'certificate') {
    auth.clientCertificate = { thumbprintSha256: emu.app.thumbprintSha256, privateKey: emu.app.privateKeyPem, x5c: emu.app.certificatePem };
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
export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
