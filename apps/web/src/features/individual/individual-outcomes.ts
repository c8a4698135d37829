import { IndividualOutcomeSchema, type IndividualOutcome } from '@rox365/contracts';

export interface IndividualOutcomeExplanation {
  tone: 'success' | 'warning' | 'danger' | 'info';
  title: string;
  reason: string;
  nextSteps: string[];
}

const TRY_AGAIN = 'Go back to Integrations and click Connect again.';

/** What each sign-in outcome means for the member, and what to do next. */
export const INDIVIDUAL_OUTCOMES: Readonly<
  Record<IndividualOutcome, IndividualOutcomeExplanation>
> = {
  connected: {
    tone: 'success',
    title: 'Outlook is connected',
    reason: 'Microsoft signed you in and granted the permissions. Rox can now sync for you.',
    nextSteps: ['You can check or disconnect the connection on Integrations at any time.'],
  },
  account_mismatch: {
    tone: 'warning',
    title: 'A different Microsoft account signed in',
    reason:
      'The Microsoft account you signed in with is not your Rox email. Rox holds the connection until a Rox admin allows this account.',
    nextSteps: [
      'If you picked the wrong account, click Connect again and choose your work account.',
      'If this account is right, ask your Rox admin to allow it (Integrations → Members’ Outlook connections).',
    ],
  },
  cancelled: {
    tone: 'warning',
    title: 'You cancelled on Microsoft’s page',
    reason: 'Nothing was connected and Rox has no access.',
    nextSteps: [TRY_AGAIN],
  },
  approval_required: {
    tone: 'info',
    title: "Waiting for your admin's approval",
    reason:
      'Your Microsoft 365 organisation requires an admin to approve Rox 365 Integration before members can connect.',
    nextSteps: [
      'If you sent the request on Microsoft’s page ("Request approval"), your admin has been notified: nothing more to do until they approve.',
      'If you did not, send your admin the admin-consent link shown on the Outlook tile, with the steps listed there.',
      'Once your admin has approved, click Connect again: no further Microsoft prompt appears.',
    ],
  },
  denied: {
    tone: 'danger',
    title: 'Microsoft refused the permissions',
    reason: 'The request was declined on Microsoft’s page, so Rox has no access.',
    nextSteps: [TRY_AGAIN, 'If your admin declined the request, ask them why.'],
  },
  wrong_tenant: {
    tone: 'danger',
    title: 'That account belongs to another organisation',
    reason:
      "The Microsoft account you signed in with is not in your organisation's Microsoft 365 tenant, so Rox did not connect it.",
    nextSteps: ['Click Connect again and sign in with your work account.'],
  },
  mailbox_not_enabled: {
    tone: 'danger',
    title: 'Your account has no Exchange Online mailbox',
    reason:
      'Microsoft signed you in, but your account has no mailbox Rox can reach (it may lack an Exchange Online licence or live on premises).',
    nextSteps: [
      'Ask your Microsoft 365 admin to assign an Exchange Online licence.',
      'Click Connect again once the mailbox exists.',
    ],
  },
  orgwide_connected: {
    tone: 'info',
    title: 'Your organisation connected Microsoft 365 for everyone',
    reason:
      'The org-wide connection already covers your calendar and mailbox, so an individual connection is not needed.',
    nextSteps: ['See what is synced for you on My sync status.'],
  },
  admin_consent_granted: {
    tone: 'success',
    // Only the return address says so (anyone can open it): Rox checks the grant itself when
    // the member connects, and the wording claims no more than that.
    title: 'Microsoft reports consent granted',
    reason:
      'Microsoft sent you back saying Rox 365 Integration was approved for your organisation. Rox confirms the grant when the member connects.',
    nextSteps: [
      'Tell the member who asked you to click Connect again in Rox.',
      'If Connect still asks for approval, the grant did not take: open the admin-consent link again.',
    ],
  },
  admin_consent_not_granted: {
    tone: 'warning',
    title: 'Consent was not granted',
    reason: 'The admin-consent page was cancelled or refused, so nothing changed.',
    nextSteps: ['Open the admin-consent link again as a Global or Application Administrator.'],
  },
  state_invalid: {
    tone: 'danger',
    title: 'This sign-in link is not valid',
    reason: 'Rox did not start this sign-in, or the connection was removed meanwhile.',
    nextSteps: [TRY_AGAIN],
  },
  state_expired: {
    tone: 'warning',
    title: 'The sign-in took too long',
    reason: 'Sign-in links are valid for 15 minutes.',
    nextSteps: [TRY_AGAIN],
  },
  state_reused: {
    tone: 'warning',
    title: 'This sign-in was already used',
    reason: 'Each sign-in link works once (a page was reloaded or opened twice).',
    nextSteps: [TRY_AGAIN],
  },
  browser_mismatch: {
    tone: 'danger',
    title: 'Finish in the browser you started in',
    reason:
      'The sign-in came back to a different browser than the one that clicked Connect, so Rox refused it.',
    nextSteps: ['Click Connect again in this browser and finish the sign-in here.'],
  },
  signin_failed: {
    tone: 'danger',
    title: 'The sign-in could not be completed',
    reason: 'Microsoft’s answer could not be verified, so Rox did not connect.',
    nextSteps: [TRY_AGAIN, 'If it keeps failing, give Rox support the reference below.'],
  },
};

/** `approval_required` for a connected member's upgrade: the connection keeps running. */
export const UPGRADE_AWAITS_APPROVAL: IndividualOutcomeExplanation = {
  tone: 'info',
  title: "Your upgrade waits for your admin's approval",
  reason:
    'Your Microsoft 365 organisation lets only an admin approve the access you asked for. Your connection keeps running with the permissions you approved before.',
  nextSteps: [
    'If you sent the request on Microsoft’s page ("Request approval"), your admin has been notified: nothing more to do until they approve.',
    'If you did not, send your admin the admin-consent link shown on the Outlook tile, with the steps listed there.',
    'Once your admin has approved, click Finish the upgrade on the Outlook tile.',
  ],
};

/** The explanation for a raw `?outcome=`; unknown values get a safe generic answer. */
export function explainIndividualOutcome(
  raw: unknown,
): IndividualOutcomeExplanation & { outcome: IndividualOutcome | null } {
  const parsed = IndividualOutcomeSchema.safeParse(raw);
  if (parsed.success) return { outcome: parsed.data, ...INDIVIDUAL_OUTCOMES[parsed.data] };
  return {
    outcome: null,
    tone: 'warning',
    title: 'The connection result is unknown',
    reason: 'This page was opened without a result Rox recognises.',
    nextSteps: ['Check the Outlook tiles on Integrations for the current state.'],
  };
}
