import { describe, expect, it, vi } from 'vitest';

import { buildStatus } from '../../test/factories';
import { problem } from '../../test/local-api';
import { storeSuite } from '../../test/suite';
import { useOrgwideStore } from './orgwide.store';

describe('orgwide store', () => {
  const api = storeSuite();

  it('starts a directory sync and follows it until it is done', async () => {
    let statusCalls = 0;
    api.on('POST /orgwide/directory/sync', { status: 202, body: { queued: 1, jobIds: ['j1'] } });
    api.on('GET /orgwide/status', () => {
      statusCalls += 1;
      const state = statusCalls === 1 ? 'ok' : statusCalls === 2 ? 'running' : 'ok';
      return {
        body: buildStatus({ directory: { ...buildStatus().directory, state, users: statusCalls } }),
      };
    });
    const orgwide = useOrgwideStore();
    await orgwide.loadStatus();
    expect(orgwide.isDirectorySyncRunning).toBe(false);

    await orgwide.syncDirectory();
    expect(orgwide.status?.directory.state).toBe('queued');
    expect(orgwide.isDirectorySyncRunning).toBe(true);

    await vi.waitFor(() => expect(orgwide.status?.directory.state).toBe('running'), {
      timeout: 5000,
    });
    await vi.waitFor(() => expect(orgwide.status?.directory.state).toBe('ok'), { timeout: 5000 });
    expect(orgwide.isDirectorySyncRunning).toBe(false);
    expect(statusCalls).toBe(3);
  });

  it('stops following a sync after sign-out', async () => {
    let statusCalls = 0;
    api.on('GET /orgwide/status', () => {
      statusCalls += 1;
      return { body: buildStatus({ directory: { ...buildStatus().directory, state: 'running' } }) };
    });
    const orgwide = useOrgwideStore();
    await orgwide.loadStatus();
    orgwide.$reset();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(statusCalls).toBe(1);
    expect(orgwide.status).toBeNull();
  });

  it('keeps a failed disconnect readable and the connection in place', async () => {
    api.on(
      'DELETE /orgwide/connection',
      problem(409, 'ORGWIDE_NOT_CONNECTED', 'The org is not connected to Microsoft 365.'),
    );
    const orgwide = useOrgwideStore();
    expect(await orgwide.disconnect()).toBe(false);
    expect(orgwide.disconnectError?.code).toBe('ORGWIDE_NOT_CONNECTED');
    expect(orgwide.receipt).toBeNull();
  });
});
