import { type ConnectionState } from '@rox365/contracts';

export const CONNECTION_STATE_LABELS: Readonly<
  Record<
    ConnectionState,
    { label: string; tone: 'neutral' | 'info' | 'success' | 'warning' | 'danger' }
  >
> = {
  not_configured: { label: 'Not connected', tone: 'neutral' },
  ready_to_connect: { label: 'Ready to connect', tone: 'info' },
  consent_pending: { label: 'Waiting for consent', tone: 'info' },
  connected: { label: 'Connected', tone: 'success' },
  degraded: { label: 'Connected with problems', tone: 'warning' },
  disconnected: { label: 'Disconnected', tone: 'neutral' },
};
