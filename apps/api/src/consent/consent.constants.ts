import { CronExpression } from '@nestjs/schedule';

import { type OrgwideStatus } from '@rox365/contracts';

export const CONSENT_JOB = {
  recheckPermissions: 'consent.recheck-permissions',
} as const;

// How often every connected org's grant is compared with a fresh token's roles.
export const PERMISSION_RECHECK_CRON = CronExpression.EVERY_HOUR;

// Callback: how long to keep asking for a token while a fresh consent propagates in Entra.
export const CONSENT_PROPAGATION_FIRST_DELAY_MS = 500;
export const CONSENT_PROPAGATION_MAX_DELAY_MS = 4_000;

// Bytes of randomness in the consent `state` and the OIDC nonce (256 bits).
export const CONSENT_STATE_BYTES = 32;

/** Microsoft redirects both legs of a connect (sign-in, then admin consent) here. */
export const CONSENT_CALLBACK_PATH = '/api/v1/orgwide/consent/callback';

export const ENTERPRISE_APP_REMOVAL_STEPS = (appDisplayName: string): string[] => [
  'Sign in to the Microsoft Entra admin center (https://entra.microsoft.com) as at least a Cloud Application Administrator.',
  'Browse to Entra ID > Enterprise apps > All applications (older menus: Identity > Applications > Enterprise applications > All applications).',
  `Search for and select ${appDisplayName}.`,
  'Select Properties, then Delete, and confirm with Yes. This removes the app and every permission granted to it in your tenant.',
  'Optional: if you created an Exchange ApplicationAccessPolicy for the app, remove it in Exchange Online PowerShell with Remove-ApplicationAccessPolicy.',
];

/** The sealed PKCE verifier of a sign-in (registered for re-encryption). */
export const CODE_VERIFIER_COLUMN = 'auth_state.code_verifier_sealed';

/** The status's directory section before the directory feature has anything to say. */
export const EMPTY_DIRECTORY_SUMMARY: OrgwideStatus['directory'] = {
  state: 'never',
  lastSyncAt: null,
  lastError: null,
  users: 0,
  mappedMembers: 0,
};

/** The status's mail section before the mail feature has anything to say. */
export const EMPTY_MAIL_SUMMARY: OrgwideStatus['mail'] = {
  mailboxes: { notInScope: 0, never: 0, queued: 0, running: 0, ok: 0, failed: 0 },
  reasons: [],
  messages: 0,
  lastSyncAt: null,
};
