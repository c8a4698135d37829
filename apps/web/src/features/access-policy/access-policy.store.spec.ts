import { beforeEach, describe, expect, it } from 'vitest';

import { type ProbeResult } from '@rox365/contracts';

import { storeSuite } from '../../test/suite';
import { useAccessPolicyStore } from './access-policy.store';

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

  it('probing everyone waits for a fresh result of every member queued, not just the first', async () => {
    const result = (roxUserId: string, checkedAt: string): ProbeResult => ({
      roxUserId,
      email: `${roxUserId}@contoso.com`,
      directoryUserId: `dir-${roxUserId}`,
      mail: 'granted',
      calendar: 'granted',
      checkedAt,
      nextAction: null,
    });
    const OLD = '2026-11-28T09:00:00.000Z';
    let reads = 0;
    api.on('POST /orgwide/probes', { status: 202, body: { queued: 2, jobIds: ['j1', 'j2'] } });
    api.on('GET /orgwide/probes', () => {
      reads += 1;
      // Before the run: two old results. Then Alex is probed first; Joni's denial comes later.
      if (reads === 1)
        return { body: { items: [result('alex', OLD), result('joni', OLD)], nextCursor: null } };
      const joni = reads >= 3 ? '2026-11-28T10:00:02.000Z' : OLD;
      return {
        body: {
          items: [result('alex', '2026-11-28T10:00:01.000Z'), result('joni', joni)],
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
});
