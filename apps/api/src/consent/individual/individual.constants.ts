/** Microsoft redirects every individual sign-in here (registered on the individual app). */
export const INDIVIDUAL_CALLBACK_PATH = '/api/v1/individual-connections/callback';

/** The SPA page that shows a sign-in's outcome. */
export const INDIVIDUAL_RESULT_PATH = '/integrations/outlook/result';

// How long a Connect link stays usable: long enough to read Microsoft's approval page and write
// a justification.
export const INDIVIDUAL_STATE_TTL_SECONDS = 900;

// Bytes of randomness in the state (256 bits).
export const INDIVIDUAL_STATE_BYTES = 32;

/** The sealed refresh token (registered for re-encryption). */
export const REFRESH_TOKEN_COLUMN = 'individual_token.refresh_token_sealed';

// An access token this close to expiry is refreshed before use.
export const ACCESS_TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

// The state of the admin-consent link a member forwards: never stored, it only tells the
// callback that an admin (not the member's own sign-in) is coming back.
export const ADMIN_LINK_STATE = 'admin-consent-link';

/**
 * Seed 001 steps 4–6: what the Microsoft admin does to approve the request; `permissions` are the
 * delegated permissions this connection asks for beyond sign-in (what the admin should see).
 */
export function adminApprovalSteps(
  appDisplayName: string,
  permissions: readonly string[],
): string[] {
  return [
    'Sign in to the Microsoft Entra admin center (https://entra.microsoft.com) as a Global Administrator, or an Application Administrator / Cloud Application Administrator who may consent.',
    'Go to Entra ID → Enterprise apps → Admin consent requests.',
    `Under My Pending, select the request for ${appDisplayName}; check the requester (UPN) and the justification.`,
    'Click Review permissions and consent. Check that the publisher is Rox Data Corp. (verified badge) and click Accept. This grants the permissions tenant-wide, so nobody else is asked again.',
    `Verify under Enterprise apps → ${appDisplayName} → Permissions → Admin consent: the Microsoft Graph delegated permissions this connection needs (${permissions.join(', ')}) are listed.`,
    'Tell the member to click Connect again in Rox: no further Microsoft prompt appears.',
  ];
}

export function troubleshootingHint(appDisplayName: string): string {
  return `Still unable to connect? Open https://myapps.microsoft.com/ and search for "${appDisplayName}": the permissions your admin consented to should be listed there.`;
}

/** How a member removes Rox's access on Microsoft's side after disconnecting in Rox. */
export function microsoftRemovalSteps(appDisplayName: string): string[] {
  return [
    'Rox no longer holds a token for this connection; nothing more is needed for Rox to stop.',
    `To remove the app from your Microsoft account as well, open https://myapps.microsoft.com/, find "${appDisplayName}" and choose Manage your application → Revoke permissions (if your admin granted it for everyone, only an admin can remove it, under Entra ID → Enterprise apps).`,
  ];
}

// How long an org-wide connect's callback spends releasing members' own connections.
export const RELEASE_BEFORE_SUPERSEDE_MS = 5_000;
