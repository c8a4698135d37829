import { type IndividualStatus } from '@rox365/contracts';

type BadgeTone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

/** One badge per connection status, so the tile and the connections list say the same thing. */
export const INDIVIDUAL_STATUS_BADGES: Readonly<
  Record<IndividualStatus, { label: string; tone: BadgeTone }>
> = {
  pending: { label: 'Not finished', tone: 'neutral' },
  connected: { label: 'Connected', tone: 'success' },
  needs_admin_approval: { label: 'Waiting for approval', tone: 'warning' },
  needs_sign_in: { label: 'Sign in again', tone: 'danger' },
  account_mismatch: { label: 'Other account', tone: 'warning' },
  mailbox_not_enabled: { label: 'No mailbox', tone: 'danger' },
  superseded: { label: 'Replaced org-wide', tone: 'info' },
};
