import { type GraphMessage, type Recipient } from '@rox365/graph-client';

/** The org's restricted lists, normalised: domains and the addresses of restricted people. */
export interface MailRestrictions {
  /** Lower-case domains; a subdomain of one is restricted too. */
  readonly domains: readonly string[];
  /** Lower-case addresses of restricted users (their Rox email and every directory address). */
  readonly addresses: ReadonlySet<string>;
}

/** Lower-cases and trims an address; a quoted local part (`"a@b"@x.com`) keeps its last `@`. */
export function normalizeMailAddress(address: string | null | undefined): string | null {
  const trimmed = (address ?? '').trim().replace(/^<|>$/g, '').toLowerCase();
  return trimmed.includes('@') ? trimmed : null;
}

/** The domain of an address: the text after its last `@`. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).replace(/\.$/, '');
}

export function isRestrictedDomain(address: string, domains: readonly string[]): boolean {
  const domain = domainOf(address);
  return domains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

/** Every participant of a message: from, sender, replyTo, to, cc and bcc. */
export function participantsOf(message: GraphMessage): string[] {
  const one = (r: Recipient | undefined): Recipient[] => (r ? [r] : []);
  const all = [
    ...one(message.from),
    ...one(message.sender),
    ...(message.replyTo ?? []),
    ...(message.toRecipients ?? []),
    ...(message.ccRecipients ?? []),
    ...(message.bccRecipients ?? []),
  ];
  const out = new Set<string>();
  for (const r of all) {
    const address = normalizeMailAddress(r.emailAddress.address);
    if (address) out.add(address);
  }
  return [...out];
}

/** True when any participant is at a restricted domain or is a restricted user. */
export function isRestrictedMessage(message: GraphMessage, rules: MailRestrictions): boolean {
  return participantsOf(message).some(
    (a) => rules.addresses.has(a) || isRestrictedDomain(a, rules.domains),
  );
}
