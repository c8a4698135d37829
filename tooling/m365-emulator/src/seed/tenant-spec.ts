import type { AccessRight } from '../state/model';
import type { ConsentPolicy } from '../state/tenant';

/** Describes a tenant to generate. Everything not given is derived from `seed`. */
export interface TenantSpec {
  /** Tenant id (GUID); derived from the seed and domain when omitted. */
  id?: string;
  displayName?: string;
  /** Domain label: "contoso" gives contoso.onmicrosoft.com plus the verified contoso.com. */
  domain?: string;
  seed?: string;
  /** Total number of users. With `people: 'contoso'` the named demo people come first. Default 25. */
  users?: number;
  /**
   * Which fixed people lead the user list. Default 'contoso' for the contoso domain, 'fabrikam'
   * for the fabrikam domain, else 'none'.
   */
  people?: 'contoso' | 'fabrikam' | 'none';
  /** Messages generated in each inbox (sent items get a third of it). Default 12. */
  messagesPerMailbox?: number;
  /** Events generated in each calendar. Default 8. */
  eventsPerMailbox?: number;
  /**
   * Calendars for benchmarks: the first `perMailbox` of the `eventsPerMailbox` events are weekly
   * series of `occurrences` occurrences each (the second one moved: an exception), the others
   * single meetings of the demo shapes. Without it each calendar repeats the demo mix of eight.
   */
  eventSeries?: { perMailbox: number; occurrences: number };
  /** Mailboxes with an unusually large inbox, for delta walks. */
  largeMailboxes?: { userPrincipalName: string; inboxMessages: number }[];
  consentPolicy?: Partial<ConsentPolicy>;
  /** Whether the org-wide app already has admin consent in this tenant. Default false. */
  adminConsented?: boolean;
  /**
   * ApplicationAccessPolicies for the org-wide app; default: DenyAccess on the Legal
   * Investigations group.
   */
  accessPolicies?: { groupMail: string; accessRight: AccessRight; description?: string }[];
  /** Instant the seeded mail and meetings are placed around. Default: the emulator's start time. */
  now?: string;
}

/** Names of built-in seeds. */
export type SeedName = 'demo' | 'demo-10k' | 'empty';
