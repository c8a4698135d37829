import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_TENANT } from '@rox365/m365-emulator';

import { OrgwideGraph } from '../../src/platform/graph/graph.module';
import { startApiWithEmulator, type ApiWithEmulator } from '../support/emulator';

// The shared emulator support itself: TLS trust from the global setup, the API on a real port.
describe('emulator test support', () => {
  let env: ApiWithEmulator;
  beforeAll(async () => {
    env = await startApiWithEmulator();
  });
  afterAll(() => env.close());

  it('trusts the emulator CA in workers and resolves the demo tenant through the API provider', async () => {
    expect(process.env.NODE_EXTRA_CA_CERTS).toMatch(/ca\.pem$/);
    const graph = env.api.app.get(OrgwideGraph);
    await expect(graph.resolveTenantId(DEMO_TENANT.verifiedDomain)).resolves.toBe(env.tenantId);
  });

  it('serves the API on its public URL', async () => {
    const res = await fetch(`${env.apiUrl}/healthz`);
    expect(res.status).toBe(200);
  });
});
