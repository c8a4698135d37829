import { describe, expect, it } from 'vitest';

import { LifecycleRegistry } from './lifecycle-registry.service';

describe('LifecycleRegistry', () => {
  function twoFeatures() {
    const calls: string[] = [];
    const registry = new LifecycleRegistry();
    registry.register({
      feature: 'consent',
      stopJobs: (orgId) => {
        calls.push(`consent.stop:${orgId}`);
        return Promise.resolve(1);
      },
      purgeMember: {
        member_override: (_orgId, roxUserId) => Promise.resolve(roxUserId === 'u1' ? 1 : 0),
      },
    });
    registry.register({
      feature: 'directory',
      onConnected: (orgId) => {
        calls.push(`directory.connected:${orgId}`);
        return Promise.resolve();
      },
      stopJobs: () => Promise.resolve(3),
      purgeOrg: {
        directory_user: () => Promise.resolve(5),
        directory_sync_state: () => Promise.resolve(1),
      },
      purgeMember: { directory_probe: () => Promise.resolve(2) },
      statusSections: {
        directory: () =>
          Promise.resolve({
            state: 'ok' as const,
            lastSyncAt: null,
            lastError: null,
            users: 5,
            mappedMembers: 2,
          }),
      },
    });
    return { registry, calls };
  }

  it('counts every feature’s tables and jobs, in registration order', async () => {
    const { registry, calls } = twoFeatures();
    expect(await registry.stopJobs('o1')).toEqual({ consent: 1, directory: 3 });
    expect(calls).toEqual(['consent.stop:o1']);
    expect(await registry.purgeOrg('o1')).toEqual({ directory_user: 5, directory_sync_state: 1 });
    expect(await registry.purgeMember('o1', 'u1')).toEqual({
      member_override: 1,
      directory_probe: 2,
    });
    await registry.onConnected('o1');
    expect(calls).toEqual(['consent.stop:o1', 'directory.connected:o1']);
  });

  it('runs the purges of a feature that purges first before the others, whatever the registration order', async () => {
    const order: string[] = [];
    const registry = new LifecycleRegistry();
    const table = (name: string) => () => {
      order.push(name);
      return Promise.resolve(1);
    };
    registry.register({
      feature: 'calendar',
      purgeOrg: { calendar_event: table('calendar_event') },
      purgeMember: { calendar_event_link: table('calendar_event_link') },
    });
    registry.register({
      feature: 'mailboxes',
      purgesFirst: true,
      purgeOrg: { mailbox: table('mailbox') },
      purgeMember: { mailbox: table('mailbox') },
    });
    await registry.purgeOrg('o1');
    await registry.purgeMember('o1', 'u1');
    expect(order).toEqual(['mailbox', 'calendar_event', 'mailbox', 'calendar_event_link']);
  });

  it('purges what came through one individual connection, per table of every feature', async () => {
    const registry = new LifecycleRegistry();
    registry.register({
      feature: 'consent',
      purgeConnection: { individual_token: (_o, id) => Promise.resolve(id === 'c1' ? 1 : 0) },
    });
    registry.register({
      feature: 'calendar',
      purgeConnection: { calendar_event: () => Promise.resolve(12) },
    });
    expect(await registry.purgeConnection('o1', 'c1')).toEqual({
      individual_token: 1,
      calendar_event: 12,
    });
    expect(() =>
      registry.register({
        feature: 'mail',
        purgeConnection: { calendar_event: () => Promise.resolve(0) },
      }),
    ).toThrow(/calendar_event/);
  });

  it('answers a status section from the feature that fills it, else null', async () => {
    const { registry } = twoFeatures();
    expect((await registry.statusSection('directory', 'o1'))?.users).toBe(5);
    expect(await new LifecycleRegistry().statusSection('directory', 'o1')).toBeNull();
  });

  it('gathers every feature’s notes on the asked channels', async () => {
    const registry = new LifecycleRegistry();
    registry.register({
      feature: 'notifications',
      channelNotices: (_orgId, kind, ids) =>
        Promise.resolve(
          ids.map((roxUserId) => ({
            roxUserId,
            folder: kind === 'mail' ? 'inbox' : null,
            code: 'notifications_degraded',
          })),
        ),
    });
    registry.register({ feature: 'quiet' });
    expect(await registry.channelNotices('org', 'mail', ['a'])).toEqual([
      { roxUserId: 'a', folder: 'inbox', code: 'notifications_degraded' },
    ]);
    expect(await registry.channelNotices('org', 'calendar', [])).toEqual([]);
  });

  it('gathers the channels features keep fresh, asking only about the given members', async () => {
    const registry = new LifecycleRegistry();
    const asked: string[][] = [];
    registry.register({
      feature: 'notifications',
      coveredChannels: (_orgId, kind, ids) => {
        asked.push([...ids]);
        return Promise.resolve(
          ids.map((roxUserId) => ({
            roxUserId,
            folder: kind === 'mail' ? 'inbox' : null,
            directoryUserId: `dir-${roxUserId}`,
            safetyPollMs: 60_000,
          })),
        );
      },
    });
    registry.register({ feature: 'quiet' });
    const now = new Date('2026-11-28T12:00:00Z');
    const coverage = await registry.coveredChannels('org', 'mail', ['a']);
    const channel = { roxUserId: 'a', folder: 'inbox', directoryUserId: 'dir-a', lastSyncAt: now };
    expect(coverage.defers(channel, now)).toBe(true);
    expect(coverage.defers({ ...channel, roxUserId: 'b' }, now)).toBe(false);
    expect((await registry.coveredChannels('org', 'calendar', [])).size).toBe(0);
    expect(asked).toEqual([['a']]);
  });

  it('refuses a feature or a table registered twice', () => {
    const { registry } = twoFeatures();
    expect(() => registry.register({ feature: 'directory' })).toThrow(/directory/);
    expect(() =>
      registry.register({
        feature: 'mail',
        purgeOrg: { directory_user: () => Promise.resolve(0) },
      }),
    ).toThrow(/directory_user/);
    expect(() =>
      registry.register({
        feature: 'calendar',
        purgeMember: { member_override: () => Promise.resolve(0) },
      }),
    ).toThrow(/member_override/);
  });

  it('runs every onConnected even when one fails, then reports the failure', async () => {
    const registry = new LifecycleRegistry();
    const connected: string[] = [];
    registry.register({
      feature: 'a',
      onConnected: () => Promise.reject(new Error('queue down')),
    });
    registry.register({
      feature: 'b',
      onConnected: (orgId) => {
        connected.push(orgId);
        return Promise.resolve();
      },
    });
    await expect(registry.onConnected('o1')).rejects.toThrow('queue down');
    expect(connected).toEqual(['o1']);
  });

  it('reads a feed head from its owner and notices work that moved it, even when it fails', async () => {
    const registry = new LifecycleRegistry();
    let head = 4;
    const noticed: string[] = [];
    registry.register({
      feature: 'mail',
      changeFeeds: { mail: () => Promise.resolve(String(head)) },
    });
    registry.register({
      feature: 'push',
      onFeedChanged: (orgId, feed) => {
        noticed.push(`${orgId}:${feed}`);
        return Promise.resolve();
      },
    });
    expect(await registry.feedHead('mail', 'o1')).toBe('4');
    expect(await registry.feedHead('calendar', 'o1')).toBeNull();
    expect(() =>
      registry.register({ feature: 'other', changeFeeds: { mail: () => Promise.resolve('0') } }),
    ).toThrow(/mail/);

    // Nothing appended: no notice.
    expect(await registry.watchFeed('o1', 'mail', () => Promise.resolve('done'))).toBe('done');
    expect(noticed).toEqual([]);
    // Appended, then failed: the committed entries are still announced.
    await expect(
      registry.watchFeed('o1', 'mail', () => {
        head = 6;
        return Promise.reject(new Error('graph down'));
      }),
    ).rejects.toThrow('graph down');
    expect(noticed).toEqual(['o1:mail']);
  });

  it('keeps notifying the others when one feed listener fails', async () => {
    const registry = new LifecycleRegistry();
    const noticed: string[] = [];
    registry.register({ feature: 'a', onFeedChanged: () => Promise.reject(new Error('redis')) });
    registry.register({
      feature: 'b',
      onFeedChanged: (orgId) => {
        noticed.push(orgId);
        return Promise.resolve();
      },
    });
    await registry.feedChanged('o2', 'calendar');
    expect(noticed).toEqual(['o2']);
  });
});
