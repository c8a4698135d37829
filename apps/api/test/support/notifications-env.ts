import { MikroORM } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bull';
import { type Queue } from 'bull';
import { expect } from 'vitest';

import { type NotificationsJobData } from '../../src/notifications/notifications-jobs.service';
import { QUEUE } from '../../src/platform/queue/queue-names';
import { calendarSettled } from './calendar-env';
import { mailboxesSettled } from './directory-env';
import { type ApiWithEmulator } from './emulator';
import { orgQueueQuiet, queueQuiet } from './queue-quiet';
import { eventually } from './test-app';

/** A subscription as the emulator holds it (its control API returns the whole record). */
export interface EmulatedSubscription {
  id: string;
  tenantId: string;
  resource: string;
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
}

/** The live subscriptions of the file's Contoso tenant, as Microsoft holds them. */
export async function tenantSubscriptions(env: ApiWithEmulator): Promise<EmulatedSubscription[]> {
  const all = (await env.emu.control.subscriptions()) as EmulatedSubscription[];
  const now = Date.now();
  return all.filter((s) => s.tenantId === env.tenantId && Date.parse(s.expirationDateTime) > now);
}

export function notificationsQueue(env: ApiWithEmulator): Queue<NotificationsJobData> {
  return env.api.app.get<Queue<NotificationsJobData>>(getQueueToken(QUEUE.notifications));
}

/**
 * Waits until the org's mailbox rows are rebuilt (an org-level scope change queues the
 * reconcile from there), then until the notifications queue is idle (nothing waiting, delayed or
 * running, no re-run flagged), then until the calendar and mail work it queued for the org is done.
 */
export async function notificationsSettled(env: ApiWithEmulator, orgId: string): Promise<void> {
  await mailboxesSettled(env, orgId);
  await notificationsQueueIdle(env);
  await calendarSettled(env, orgId);
  const mail = env.api.app.get<Queue<{ orgId: string }>>(getQueueToken(QUEUE.mail));
  await eventually(() => orgQueueQuiet(mail, orgId), { attempts: 1200, intervalMs: 50 });
}

/** Waits until the notifications queue has nothing waiting, delayed or running, and no re-run flagged. */
export async function notificationsQueueIdle(env: ApiWithEmulator): Promise<void> {
  const queue = notificationsQueue(env);
  await eventually(() => queueQuiet(queue), { attempts: 1200, intervalMs: 50 });
}

/** One graph_subscription row as stored. */
export interface SubscriptionRow {
  rox_user_id: string;
  kind: string;
  folder: string;
  subscription_id: string | null;
  client_state_hash: string | null;
  state: string;
  last_error_code: string | null;
  lifetime_minutes: number | null;
}

/** The org's graph_subscription rows (raw, for assertions on what is stored). */
export async function subscriptionRows(
  env: ApiWithEmulator,
  orgId: string,
): Promise<SubscriptionRow[]> {
  const orm = env.api.app.get(MikroORM);
  return (await orm.em
    .fork()
    .getConnection()
    .execute(
      'select * from graph_subscription where org_id = ? order by rox_user_id, kind, folder',
      [orgId],
    )) as SubscriptionRow[];
}

/**
 * Waits for the emulator's queued deliveries, then for the org's work they queued; the last
 * change notification must have been answered 202.
 */
export async function notificationDelivered(env: ApiWithEmulator, orgId: string): Promise<void> {
  const delivered = (await env.emu.control.notifications()).filter(
    (d) => d.kind === 'notification',
  );
  expect(delivered.at(-1)?.status).toBe(202);
  await notificationsSettled(env, orgId);
}
