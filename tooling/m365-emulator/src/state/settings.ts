/**
 * Switches for behaviour that Microsoft documents loosely or that differs between tenants.
 * Every default is the most common observed behaviour; docs/emulator.md lists them.
 */
export interface EmulatorSettings {
  /** Mail.ReadBasic(.All) and an explicit $select=body: silently omit (default) or answer 403. */
  readBasicExplicitBody: 'omit' | 'forbid';
  /** Message of the 403 for a mailbox outside an ApplicationAccessPolicy. */
  accessPolicyDeniedMessage: string;
  /** Lifetime of access tokens in seconds (expires_in). */
  accessTokenLifetimeSeconds: number;
  /** Inactivity lifetime of refresh tokens in seconds (AADSTS700082 after it). */
  refreshTokenLifetimeSeconds: number;
  /** Whether a refresh token stays usable after it has been redeemed (Entra: yes). */
  refreshTokenReuse: 'allow' | 'reject';
  /** Lifetime of authorization codes in seconds. */
  authCodeLifetimeSeconds: number;
  /**
   * Outlook per app+mailbox limits. `inFlightGraceMs` is the emulator's judging only: another
   * request to the mailbox arriving within it after a "wait" answer was written counts as an
   * overlap (it may have left before the answer was read), not a violation; the throttled request
   * itself coming back early (same client-request-id) is always a violation. 0 (default): every
   * later arrival is one.
   */
  throttle: {
    concurrentPerMailbox: number;
    requestsPerWindow: number;
    windowSeconds: number;
    inFlightGraceMs: number;
  };
  /** Largest expirationDateTime distance for Outlook subscriptions, in minutes. */
  subscriptionMaxMinutes: number;
  /** Whether notifications are delivered. Validation handshakes still run, so subscriptions are made as on Graph and then stay silent. */
  deliverNotifications: boolean;
  /**
   * Emulator-only allowance: accept `http://` notification URLs on a loopback host (127.0.0.1,
   * localhost, [::1]) so a local API without TLS can receive them. Microsoft requires https.
   */
  allowLoopbackHttpNotificationUrls: boolean;
  /**
   * Change notifications lost or sent twice, as Graph's at-least-once, best-effort delivery does
   * (shares 0–1; deterministic per notification, like injected faults). Lifecycle events and
   * validation handshakes are never touched.
   */
  notificationFaults: { dropRate: number; duplicateRate: number };
  /** Most messages the first round of a message delta with `$filter` returns (Microsoft: 5,000). */
  messageDeltaFilterCap: number;
  /**
   * How calendarView delta reports an occurrence deleted from a series: `@removed` (what the
   * emulator always did), or `'silent'`: only the changed master comes back, as observed in 2019.
   */
  deletedOccurrenceInDelta: 'removed' | 'silent';
}

/** A settings change: top-level fields replace, the two groups merge field by field. */
export type SettingsPatch = Partial<Omit<EmulatorSettings, 'throttle' | 'notificationFaults'>> & {
  throttle?: Partial<EmulatorSettings['throttle']>;
  notificationFaults?: Partial<EmulatorSettings['notificationFaults']>;
};

export function defaultSettings(): EmulatorSettings {
  return {
    readBasicExplicitBody: 'omit',
    accessPolicyDeniedMessage: 'Access to OData is disabled.',
    accessTokenLifetimeSeconds: 3599,
    refreshTokenLifetimeSeconds: 90 * 86_400,
    refreshTokenReuse: 'allow',
    authCodeLifetimeSeconds: 600,
    throttle: {
      concurrentPerMailbox: 4,
      requestsPerWindow: 10_000,
      windowSeconds: 600,
      inFlightGraceMs: 0,
    },
    subscriptionMaxMinutes: 10_070,
    deliverNotifications: true,
    allowLoopbackHttpNotificationUrls: false,
    notificationFaults: { dropRate: 0, duplicateRate: 0 },
    messageDeltaFilterCap: 5_000,
    deletedOccurrenceInDelta: 'removed',
  };
}
