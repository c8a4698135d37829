import { type IndividualKind, type IndividualLevel } from '@rox365/contracts';
import { delegatedPermission, individualConnectionScopes } from '@rox365/scope-policy';

export interface ScopeInWords {
  scope: string;
  description: string;
}

/** The access levels a member may pick per kind, in plain words. */
export const LEVEL_CHOICES: Record<
  IndividualKind,
  { value: IndividualLevel; label: string; description: string }[]
> = {
  calendar: [
    {
      value: 'read_write',
      label: 'Read and write',
      description: 'Rox reads your calendar and adds or updates the meetings it books for you.',
    },
    { value: 'read', label: 'Read only', description: 'Rox reads your calendar; it never writes.' },
  ],
  mail: [
    {
      value: 'read',
      label: 'Read mail',
      description: 'Rox reads your messages (subject, body, recipients).',
    },
    {
      value: 'metadata',
      label: 'Headers only',
      description: 'Rox reads who wrote to whom and when, never the content.',
    },
    {
      value: 'read_send',
      label: 'Read and send',
      description: 'Rox reads your messages and sends the emails you ask it to.',
    },
  ],
};

export const DEFAULT_LEVEL: Record<IndividualKind, IndividualLevel> = {
  calendar: 'read_write',
  mail: 'read',
};

/**
 * What Microsoft will ask the member to allow, in Microsoft's own words, before they leave for
 * Microsoft. `openid` is not listed (Microsoft does not show it next to User.Read).
 */
export function scopesInWords(kind: IndividualKind, level: IndividualLevel): ScopeInWords[] {
  const scopes = individualConnectionScopes(kind, level).filter((s) => s !== 'openid');
  // Microsoft lists the feature's own permissions first, then profile and offline access.
  const order = (s: string) =>
    /^(Calendars|Mail|MailboxSettings)\./.test(s) ? 0 : s === 'User.Read' ? 1 : 2;
  return [...scopes]
    .sort((a, b) => order(a) - order(b))
    .map((scope) => ({ scope, description: delegatedPermission(scope).displayName }));
}

/** A level's name as the level choices show it. */
export function levelLabel(kind: IndividualKind, level: IndividualLevel): string {
  return LEVEL_CHOICES[kind].find((c) => c.value === level)?.label ?? level;
}
