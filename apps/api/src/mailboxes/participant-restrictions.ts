import { domainToASCII } from 'node:url';

/**
 * The org's restricted lists as every feature applies them to the people taking part in an
 * item (a message's sender and recipients, an event's organiser and attendees): one pure rule,
 * used by mail and calendar alike (MAIL-S1/S2, CAL-R9).
 */
export interface ParticipantRestrictions {
  /** Lower-case domains; a subdomain of one is restricted too. */
  readonly domains: readonly string[];
  /** Lower-case addresses of restricted users (their Rox email and every directory address). */
  readonly addresses: ReadonlySet<string>;
}

/**
 * Lower-cases and trims an address; a quoted local part (`"a@b"@x.com`) keeps its last `@`. An
 * internationalised domain takes its ASCII (punycode) form, the form restricted domains are
 * stored in, so `info@Bücher.example` and `info@xn--bcher-kva.example` are one address.
 */
export function normalizeMailAddress(address: string | null | undefined): string | null {
  const trimmed = (address ?? '').trim().replace(/^<|>$/g, '').toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at < 0) return null;
  const domain = trimmed.slice(at + 1);
  // eslint-disable-next-line no-control-regex -- "any character outside ASCII"
  if (!/[^\x00-\x7f]/.test(domain)) return trimmed;
  // Not a valid domain name: kept as written (it cannot match a restricted domain either).
  const ascii = domainToASCII(domain);
  return ascii ? `${trimmed.slice(0, at + 1)}${ascii}` : trimmed;
}

/** The domain of an address: the text after its last `@`. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).replace(/\.$/, '');
}

export function isRestrictedDomain(address: string, domains: readonly string[]): boolean {
  const domain = domainOf(address);
  return domains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

/** True when any of the (normalised) addresses is a restricted user or at a restricted domain. */
export function hasRestrictedParticipant(
  addresses: Iterable<string>,
  rules: ParticipantRestrictions,
): boolean {
  for (const a of addresses) {
    if (rules.addresses.has(a) || isRestrictedDomain(a, rules.domains)) return true;
  }
  return false;
}

/** The restricted lists as a cycle stores them on its org state: sorted, so two reads compare. */
export interface RestrictionLists {
  readonly domains: readonly string[];
  readonly addresses: readonly string[];
}

export function restrictionLists(rules: ParticipantRestrictions): RestrictionLists {
  return { domains: [...rules.domains].sort(), addresses: [...rules.addresses].sort() };
}

export function sameRestrictionLists(a: RestrictionLists, b: RestrictionLists): boolean {
  const same = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && x.every((v, i) => v === y[i]);
  return same(a.domains, b.domains) && same(a.addresses, b.addresses);
}
