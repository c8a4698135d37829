import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ControlClient, DEMO_TENANT, startEmulator, type RunningEmulator } from '../src/index';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'empty', tls: false });
});

afterAll(async () => {
  await emu.stop();
});

describe('control API', () => {
  it('creates, mutates and resets a tenant deterministically', async () => {
    const a = await emu.control.createTenant({ domain: 'contoso' });
    expect(a.id).toBe(DEMO_TENANT.id);
    expect(a.userCount).toBe(29);
    await emu.control.addUser(DEMO_TENANT.id, { userPrincipalName: 'temp@contoso.com' });
    expect((await emu.control.tenant('contoso.com')).userCount).toBe(30);
    const reset = await emu.control.resetTenant(DEMO_TENANT.id);
    expect(reset.userCount).toBe(29);
    const again = await emu.control.createTenant({ domain: 'example', users: 50, seed: 's1' });
    const other = await startEmulator({
      seed: [{ domain: 'example', users: 50, seed: 's1' }],
      tls: false,
    });
    try {
      const ids = (e: RunningEmulator): string[] =>
        [...(e.state.findTenant('example.com')?.users.values() ?? [])].map((u) => u.id);
      expect(ids(other)).toEqual(ids(emu));
      expect(other.state.findTenant('example.com')?.id).toBe(again.id);
    } finally {
      await other.stop();
    }
  });

  it('injects faults by pattern with a deterministic probability and counts requests by path', async () => {
    await emu.control.clearRequests();
    await emu.control.addFault({
      match: '^GET /health-probe',
      status: 503,
      retryAfterSeconds: 2,
      probability: 0.5,
    });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await fetch(`${emu.baseUrl}/health-probe`)).status);
    const hits = statuses.filter((s) => s === 503).length;
    expect(hits).toBeGreaterThan(5);
    expect(hits).toBeLessThan(35);
    const counters = await emu.control.counters();
    expect(counters.byPath['GET /health-probe']).toBe(40);
    expect(counters.byStatus['503']).toBe(hits);
    const faults = await emu.control.faults();
    expect(faults[0]?.hits).toBe(hits);
    await emu.control.clearFaults();
  });

  it('moves the clock: directory delta tokens die after 7 days', async () => {
    await emu.control.createTenant({ domain: 'clockwork', users: 3, adminConsented: true });
    const token = async (): Promise<string> => {
      const res = await fetch(`${emu.baseUrl}/clockwork.com/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: emu.app.clientId,
          client_secret: emu.app.clientSecret,
          scope: 'https://graph.microsoft.com/.default',
        }),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const first = (await (
      await fetch(`${emu.graphBaseUrl}/v1.0/users/delta?$deltatoken=latest`, {
        headers: { authorization: `Bearer ${await token()}` },
      })
    ).json()) as { '@odata.deltaLink': string };
    const fresh = await fetch(first['@odata.deltaLink'], {
      headers: { authorization: `Bearer ${await token()}` },
    });
    expect(fresh.status).toBe(200);
    const latest = ((await fresh.json()) as { '@odata.deltaLink': string })['@odata.deltaLink'];
    await emu.control.advanceClock(8 * 86_400);
    const old = await fetch(latest, { headers: { authorization: `Bearer ${await token()}` } });
    expect(old.status).toBe(410);
    expect(((await old.json()) as { error: { code: string } }).error.code).toBe('resyncRequired');
  });

  it('is usable from another process over plain HTTP with a fresh client', async () => {
    const client = new ControlClient(emu.baseUrl);
    expect(emu.baseUrl.startsWith('http://')).toBe(true);
    const tenants = await client.tenants();
    expect(tenants.map((t) => t.domains[0])).toContain('contoso.onmicrosoft.com');
  });
});
