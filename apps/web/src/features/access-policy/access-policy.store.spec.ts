import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { buildProbeResult } from '../../test/factories';
import { storeSuite } from '../../test/suite';
import { useAccessPolicyStore } from './access-policy.store';

const OLD = '2026-11-28T09:00:00.000Z';

describe('access-policy store', () => {
  const api = storeSuite();
  beforeEach(() => {
    api.on('GET /orgwide/access-policy/script', (req) => ({
      body: {
        script: `New-DistributionGroup -Name '${req.query.get('groupName') ?? ''}'`,
        members: ['a@contoso.com'],
        appId: 'app-1',
      },
    }));
  });

  it('validates the group name with the contract and asks for the script', async () => {
    const policy = useAccessPolicyStore();
    policy.groupName = '   ';
    expect(policy.groupNameError).toBeDefined();
    await policy.loadScript();
    expect(api.requests).toHaveLength(0);

    policy.groupName = 'x'.repeat(65);
    expect(policy.groupNameError).toBeDefined();

    policy.groupName = ' RoxPilotUsers ';
    expect(policy.groupNameError).toBeUndefined();
    await policy.loadScript();
    expect(api.requests[0]?.query.get('groupName')).toBe('RoxPilotUsers');
    expect(policy.script?.script).toBe("New-DistributionGroup -Name 'RoxPilotUsers'");
    // The download link carries the group name the shown script was generated with.
    expect(policy.scriptDownloadUrl).toMatch(
      /\/orgwide\/access-policy\/script\/download\?groupName=RoxPilotUsers$/,
    );
    policy.groupName = 'Edited';
    expect(policy.scriptDownloadUrl).toMatch(/groupName=RoxPilotUsers$/);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('probing everyone waits for a fresh result of every member queued, not just the first', async () => {
    let reads = 0;
    api.on('POST /orgwide/probes', { status: 202, body: { queued: 2, jobIds: ['j1', 'j2'] } });
    api.on('GET /orgwide/probes', () => {
      reads += 1;
      // Before the run: two old results. Then Alex is probed first; Joni's denial comes later.
      if (reads === 1)
        return {
          body: {
            items: [buildProbeResult('alex', OLD), buildProbeResult('joni', OLD)],
            nextCursor: null,
          },
        };
      const joni = reads >= 3 ? '2026-11-28T10:00:02.000Z' : OLD;
      return {
        body: {
          items: [
            buildProbeResult('alex', '2026-11-28T10:00:01.000Z'),
            buildProbeResult('joni', joni),
          ],
          nextCursor: null,
        },
      };
    });
    const policy = useAccessPolicyStore();
    await policy.loadProbes();
    await policy.probe();
    expect(reads).toBe(3);
    expect(policy.probes.map((p) => p.checkedAt)).toEqual([
      '2026-11-28T10:00:01.000Z',
      '2026-11-28T10:00:02.000Z',
    ]);
    expect(policy.isProbingAll).toBe(false);
    expect(policy.probeMessage).toBe('Probes finished.');
  });

  it('pages the probe results with "Load more", following the cursor', async () => {
    api.on('GET /orgwide/probes', (req) =>
      req.query.get('cursor') === 'after-alex'
        ? { body: { items: [buildProbeResult('joni', OLD)], nextCursor: null } }
        : { body: { items: [buildProbeResult('alex', OLD)], nextCursor: 'after-alex' } },
    );
    const policy = useAccessPolicyStore();
    await policy.loadProbes();
    expect(policy.probesNextCursor).toBe('after-alex');

    await policy.loadMoreProbes();
    expect(api.requests.map((r) => r.query.get('cursor'))).toEqual([null, 'after-alex']);
    expect(api.requests.every((r) => r.query.get('limit') === '200')).toBe(true);
    expect(policy.probes.map((p) => p.roxUserId)).toEqual(['alex', 'joni']);
    expect(policy.probesNextCursor).toBeNull();
  });

  it('re-tests a member from "Load more" without dropping the rows loaded', async () => {
    let probed = false;
    api.on('POST /orgwide/probes', () => {
      probed = true;
      return { status: 202, body: { queued: 1, jobIds: ['j1'] } };
    });
    api.on('GET /orgwide/probes', (req) =>
      req.query.get('cursor') === 'after-alex'
        ? {
            body: {
              items: [buildProbeResult('joni', probed ? '2026-11-28T10:00:00.000Z' : OLD)],
              nextCursor: null,
            },
          }
        : { body: { items: [buildProbeResult('alex', OLD)], nextCursor: 'after-alex' } },
    );
    const policy = useAccessPolicyStore();
    await policy.loadProbes();
    await policy.loadMoreProbes();

    await policy.probe('joni');
    expect(policy.probes.map((p) => [p.roxUserId, p.checkedAt])).toEqual([
      ['alex', OLD],
      ['joni', '2026-11-28T10:00:00.000Z'],
    ]);
    expect(policy.probeMessage).toBe('Probe finished.');
    expect(policy.probing.size).toBe(0);
  });

  it('says the probes are still running, not finished, when the results do not all come', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    // 201 members queued; only the first page of 200 is loaded, so 200 fresh results is not all.
    const page = (checkedAt: string) =>
      Array.from({ length: 200 }, (_, i) =>
        buildProbeResult(`m${String(i).padStart(3, '0')}`, checkedAt),
      );
    let probed = false;
    api.on('POST /orgwide/probes', () => {
      probed = true;
      return { status: 202, body: { queued: 201, jobIds: [] } };
    });
    api.on('GET /orgwide/probes', () => ({
      body: { items: page(probed ? '2026-11-28T10:00:00.000Z' : OLD), nextCursor: 'more' },
    }));
    const policy = useAccessPolicyStore();
    await policy.loadProbes();

    let settled = false;
    const run = policy.probe().finally(() => (settled = true));
    while (!settled) await vi.advanceTimersByTimeAsync(1000);
    await run;
    expect(policy.probeMessage).toBe('Probes are still running; refresh in a minute.');
    expect(policy.isProbingAll).toBe(false);
    expect(policy.probes).toHaveLength(200);
    expect(policy.probesNextCursor).toBe('more');
  });
});
