import { type RunningEmulator } from '@rox365/m365-emulator';

import { MicrosoftGraph, type AppCredential, type GraphClientConfig } from '../src/index';

/** Waits for real (the emulator checks Retry-After against its clock) and records each wait. */
export function recordingSleep(): { waits: number[]; sleep: (ms: number) => Promise<void> } {
  const waits: number[] = [];
  return {
    waits,
    sleep: (ms) => {
      waits.push(ms);
      return new Promise((resolve) => setTimeout(resolve, ms));
    },
  };
}

/** The configuration the API would use, pointed at the emulator. Only hosts and credentials differ. */
export function buildConfig(
  emu: RunningEmulator,
  overrides: Partial<GraphClientConfig> & { credentialKind?: 'secret' | 'certificate' } = {},
): GraphClientConfig {
  const { credentialKind, ...rest } = overrides;
  const credential: AppCredential =
    credentialKind === 'certificate'
      ? {
          kind: 'certificate',
          certificatePem: emu.apps.orgwide.certificatePem,
          privateKeyPem: emu.apps.orgwide.privateKeyPem,
          thumbprintSha1: emu.apps.orgwide.thumbprintSha1,
        }
      : { kind: 'secret', secret: emu.apps.orgwide.clientSecret };
  return {
    authorityHost: emu.authorityHost,
    graphBaseUrl: emu.graphBaseUrl,
    clientId: emu.apps.orgwide.clientId,
    credential,
    // Small waits keep tests quick; the policy is the same as in production otherwise.
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    ...rest,
  };
}

export function buildGraph(
  emu: RunningEmulator,
  overrides: Parameters<typeof buildConfig>[1] = {},
): MicrosoftGraph {
  return new MicrosoftGraph(buildConfig(emu, overrides));
}

/** The rejection of a promise that must fail. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject');
}

export function decodePayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
