import { type GraphClient } from '../client';
import { GraphRequestError } from '../errors';

/** A change-notification subscription as Graph returns it (the fields a sync keeps). */
export interface GraphSubscription {
  readonly id: string;
  readonly resource: string;
  readonly changeType: string;
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl?: string | null;
  readonly expirationDateTime: string;
  readonly applicationId?: string;
}

/** What {@link createSubscription} asks Graph for. */
export interface SubscriptionRequest {
  /** e.g. `users/{id}/events`, `users/{id}/mailFolders('inbox')/messages`. */
  readonly resource: string;
  readonly changeType: string;
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl: string;
  /** At most 128 characters; Graph echoes it in every notification. */
  readonly clientState: string;
}

/** A subscription created or renewed, and the lifetime Graph accepted for it. */
export interface SubscriptionLease {
  readonly subscription: GraphSubscription;
  readonly lifetimeMinutes: number;
}

/** When the lifetime is counted from, and how long a subscription should live. */
export interface LifetimeOptions {
  readonly now: Date;
  readonly lifetimeMinutes: number;
}

// Graph's clock and ours differ a little: ask for a minute less than the maximum it named.
const SKEW_MARGIN_MINUTES = 1;
// Graph raises shorter expirations to this; asking for less only earns an error.
const MIN_LIFETIME_MINUTES = 45;

/**
 * The maximum lifetime (minutes) a 400 `ExtensionError` names, or null when it names none.
 * Wordings seen: "Subscription expiration can only be 10070 minutes in the future." and
 * "... is beyond allowed max '3.00:00:00'." (days.hours:minutes:seconds).
 */
export function maxLifetimeMinutesOf(error: unknown): number | null {
  if (!(error instanceof GraphRequestError) || error.status !== 400) return null;
  if (error.code !== 'ExtensionError') return null;
  const text = error.graphMessage;
  const minutes = /can only be (\d+) minutes/i.exec(text);
  if (minutes) return Number(minutes[1]);
  const span = /allowed max '(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})'/i.exec(text);
  if (span) {
    const [, days, hours, mins] = span;
    return Number(days ?? 0) * 1440 + Number(hours) * 60 + Number(mins);
  }
  return null;
}

function expiration(options: LifetimeOptions, minutes: number): string {
  return new Date(options.now.getTime() + minutes * 60_000).toISOString();
}

/**
 * Runs `attempt` with the asked lifetime; when Graph refuses it as too long and names its
 * maximum, runs it once more just under that maximum.
 */
async function withLifetime(
  options: LifetimeOptions,
  attempt: (expirationDateTime: string) => Promise<GraphSubscription>,
): Promise<SubscriptionLease> {
  try {
    return {
      subscription: await attempt(expiration(options, options.lifetimeMinutes)),
      lifetimeMinutes: options.lifetimeMinutes,
    };
  } catch (error) {
    const max = maxLifetimeMinutesOf(error);
    if (max === null || max >= options.lifetimeMinutes) throw error;
    const minutes = Math.max(max - SKEW_MARGIN_MINUTES, Math.min(max, MIN_LIFETIME_MINUTES));
    return { subscription: await attempt(expiration(options, minutes)), lifetimeMinutes: minutes };
  }
}

/**
 * `POST /subscriptions` with `Prefer: IdType="ImmutableId"` (so notifications name immutable
 * ids). Graph runs the validation handshake against both URLs before it answers; a failed one is
 * a 400 `ValidationError`.
 */
export function createSubscription(
  client: GraphClient,
  request: SubscriptionRequest,
  options: LifetimeOptions,
): Promise<SubscriptionLease> {
  return withLifetime(options, async (expirationDateTime) => {
    const res = await client.request<GraphSubscription>('/subscriptions', {
      method: 'POST',
      headers: { Prefer: 'IdType="ImmutableId"' },
      body: { ...request, expirationDateTime, latestSupportedTlsVersion: 'v1_2' },
    });
    if (!res.body) throw new TypeError('Graph answered a subscription create without a body');
    return res.body;
  });
}

/** `PATCH /subscriptions/{id}` with a new expiry (it also reauthorizes). 404: it is gone. */
export function renewSubscription(
  client: GraphClient,
  id: string,
  options: LifetimeOptions,
): Promise<SubscriptionLease> {
  return withLifetime(options, async (expirationDateTime) => {
    const res = await client.request<GraphSubscription>(
      `/subscriptions/${encodeURIComponent(id)}`,
      { method: 'PATCH', body: { expirationDateTime }, isIdempotent: true },
    );
    if (!res.body) throw new TypeError('Graph answered a subscription renewal without a body');
    return res.body;
  });
}

/** `POST /subscriptions/{id}/reauthorize` (after a `reauthorizationRequired` lifecycle event). */
export async function reauthorizeSubscription(client: GraphClient, id: string): Promise<void> {
  await client.request(`/subscriptions/${encodeURIComponent(id)}/reauthorize`, {
    method: 'POST',
    isIdempotent: true,
  });
}

/** `DELETE /subscriptions/{id}`; a subscription Graph no longer knows counts as deleted. */
export async function deleteSubscription(
  client: GraphClient,
  id: string,
  options: { noRetry?: boolean } = {},
): Promise<'deleted' | 'not_found'> {
  try {
    await client.request(`/subscriptions/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      isIdempotent: true,
      ...(options.noRetry ? { noRetry: true } : {}),
    });
    return 'deleted';
  } catch (error) {
    if (isSubscriptionGone(error)) return 'not_found';
    throw error;
  }
}

/** The calling app's subscriptions in the tenant (app-only sees every one of the app's). */
export function listSubscriptions(client: GraphClient): Promise<GraphSubscription[]> {
  return client.listAll<GraphSubscription>('/subscriptions');
}

/** 404 on a subscription: Graph deleted it (expired, or `subscriptionRemoved`). */
export function isSubscriptionGone(error: unknown): boolean {
  return error instanceof GraphRequestError && error.status === 404;
}
