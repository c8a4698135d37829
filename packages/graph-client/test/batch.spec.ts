import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_TENANT, startEmulator, type RunningEmulator } from '@rox365/m365-emulator';

import { listUsers, type BatchRequest, type BoundGraphClient } from '../src/index';
import { buildGraph, rejectionOf } from './helpers';

let emu: RunningEmulator;
let client: BoundGraphClient;
let userIds: string[];
let memberId: string;
const UNKNOWN = '0b0b0b0b-0000-4000-8000-000000000000';

beforeAll(async () => {
  emu = await startEmulator({ seed: [{ domain: 'contoso', adminConsented: true }] });
  client = buildGraph(emu).forTenant(DEMO_TENANT.id);
  const users = await listUsers(client);
  userIds = users.map((u) => u.id);
  memberId = users.find((u) => u.userPrincipalName === DEMO_TENANT.users.member)?.id ?? '';
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(async () => {
  await emu.control.clearFaults();
  await emu.control.clearRequests();
});

function getUserRequest(id: string, requestId: string = id): BatchRequest {
  return { id: requestId, method: 'GET', url: `/users/${id}?$select=id,displayName` };
}

describe('$batch', () => {
  it('sends 25 requests as two batches and returns every item with its own status', async () => {
    const requests = [
      ...userIds.slice(0, 24).map((id) => getUserRequest(id)),
      getUserRequest(UNKNOWN),
    ];

    const results = await client.batch(requests);

    expect((await emu.control.requests({ pathContains: '$batch' })).length).toBe(2);
    expect(results.map((r) => r.id)).toEqual(requests.map((r) => r.id));
    expect(results.slice(0, 24).every((r) => r.status === 200 && r.error === null)).toBe(true);
    expect(results[24]).toMatchObject({ status: 404, error: { isNotFound: true } });
    expect(results[0]?.body).toMatchObject({ id: userIds[0] });
  });

  it('surfaces 424 for a request whose dependency failed', async () => {
    const results = await client.batch([
      getUserRequest(UNKNOWN, 'lookup'),
      {
        id: 'mail',
        method: 'GET',
        url: `/users/${memberId}/mailFolders/inbox?$select=id`,
        dependsOn: ['lookup'],
      },
    ]);

    expect(results.map((r) => r.status)).toEqual([404, 424]);
    expect(results[1]?.error?.status).toBe(424);
    expect(results[1]?.attempts).toBe(1);
  });

  it('retries only the throttled item after its Retry-After', async () => {
    // Throttle the member's mailbox for 0.3 s through one direct call, then batch while it lasts.
    await emu.control.addFault({
      match: `GET /v1.0/users/${memberId}/mailFolders/inbox`,
      status: 429,
      retryAfterSeconds: 0.3,
      count: 1,
    });
    const impatient = buildGraph(emu, { retry: { maxRetries: 0 } }).forTenant(DEMO_TENANT.id);
    expect(await rejectionOf(impatient.get(`/users/${memberId}/mailFolders/inbox`))).toMatchObject({
      status: 429,
    });

    const results = await client.batch([
      getUserRequest(userIds[1] ?? '', 'directory'),
      { id: 'inbox', method: 'GET', url: `/users/${memberId}/mailFolders/inbox?$select=id` },
    ]);

    expect(results.map((r) => [r.id, r.status, r.attempts])).toEqual([
      ['directory', 200, 1],
      ['inbox', 200, 2],
    ]);
  });

  it('with retryItems: false returns a throttled item as it came, once', async () => {
    await emu.control.addFault({
      match: `GET /v1.0/users/${memberId}/mailFolders/inbox`,
      status: 429,
      retryAfterSeconds: 0.3,
      count: 1,
    });

    const results = await client.batch(
      [
        getUserRequest(userIds[1] ?? '', 'directory'),
        { id: 'inbox', method: 'GET', url: `/users/${memberId}/mailFolders/inbox?$select=id` },
      ],
      { retryItems: false },
    );

    expect(results.map((r) => [r.id, r.status, r.attempts])).toEqual([
      ['directory', 200, 1],
      ['inbox', 429, 1],
    ]);
    expect(results[1]?.error).toMatchObject({ isThrottled: true, retryAfterMs: 300 });
    expect((await emu.control.requests({ pathContains: '$batch' })).length).toBe(1);
  });

  it('refuses a dependsOn chain longer than one batch before sending anything', async () => {
    const chain = Array.from({ length: 21 }, (_, i) => ({
      ...getUserRequest(userIds[0] ?? '', `step${i}`),
      ...(i > 0 ? { dependsOn: [`step${i - 1}`] } : {}),
    }));

    await expect(client.batch(chain)).rejects.toThrow(RangeError);
    expect((await emu.control.requests({ pathContains: '$batch' })).length).toBe(0);
  });
});
