import { beforeEach, describe, expect, it } from 'vitest';

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
});
