import { type ProbeOutcome } from '@rox365/contracts';

export const PROBE_OUTCOME_LABELS: Readonly<
  Record<ProbeOutcome, { label: string; tone: 'success' | 'warning' | 'danger' | 'neutral' }>
> = {
  granted: { label: 'Granted', tone: 'success' },
  denied_by_policy: { label: 'Denied by policy', tone: 'warning' },
  no_mailbox: { label: 'No mailbox', tone: 'neutral' },
  permission_not_granted: { label: 'Permission not granted', tone: 'danger' },
  user_not_found: { label: 'User not found', tone: 'neutral' },
  error: { label: 'Error', tone: 'danger' },
};
