import { type SyncStateView } from '../../shared/sync-reasons';

// The API writes next actions for admins ("Turn calendar sync on for this member…"). On a
// member's own page they become a request to the admin, in the second person.
const SECOND_PERSON: readonly [RegExp, string][] = [
  [/\bfor this member\b/g, 'for you'],
  [/\bthis member's\b/g, 'your'],
  [/\bthe member's\b/g, 'your'],
  [/\btheir address\b/g, 'your address'],
  [/\btheir email\b/g, 'your email'],
  [/\bthe member\b/g, 'you'],
  [/\bthem\b/g, 'you'],
  [/\b(this|the) mailbox\b/g, 'your mailbox'],
  [/\bThe Microsoft 365 user\b/g, 'Your Microsoft 365 account'],
  [/\bthe user\b/g, 'you'],
];

/** An admin-facing sentence about a member, said to that member ("… for this member" → "… for you"). */
export function toSecondPerson(sentence: string): string {
  let text = sentence;
  for (const [pattern, replacement] of SECOND_PERSON) text = text.replace(pattern, replacement);
  return text;
}

/** "Ask your admin to …" wording of an admin instruction, for the member it is about. */
export function askYourAdmin(nextAction: string): string {
  let text = nextAction.trim();
  // "An admin connects Microsoft 365 under …" → "connect Microsoft 365 under …".
  text = text.replace(/^(An|Your|A Rox) admin (\w+?)s\b/i, '$2');
  text = toSecondPerson(text);
  return `Ask your admin to ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

/**
 * A sync's next action said to the member it is about: "Nothing: …" needs nobody, anything
 * else is a request to the admin.
 */
export function memberNextAction(nextAction: string): string {
  return /^Nothing\b/.test(nextAction) ? nextAction : askYourAdmin(nextAction);
}

/** A sync state said to the member it is about. */
export function forMember(view: SyncStateView): SyncStateView {
  return {
    ...view,
    reason: view.reason ? toSecondPerson(view.reason) : null,
    nextAction: view.nextAction ? memberNextAction(view.nextAction) : null,
  };
}
