import { domainToASCII, domainToUnicode } from 'node:url';

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

/** Lower-cases and trims an address; a quoted local part (`"a@b"@x.com`) keeps its last `@`. */
export function normalizeMailAddress(address: string | null | undefined): string | null {
  const trimmed = (address ?? '').trim().replace(/^<|>$/g, '').toLowerCase();
  return trimmed.includes('@') ? trimmed : null;
}

/**
 * The rules with every internationalised domain in both spellings, ASCII (punycode, as the
 * settings store domains) and Unicode, and every address at such a domain likewise: a
 * participant matches in whichever form it was written, stored addresses keep the form they
 * came in, and a purge in SQL finds both.
 */
export function withBothDomainForms(rules: ParticipantRestrictions): ParticipantRestrictions {
  const domains = new Set<string>();
  for (const d of rules.domains) for (const form of domainForms(d)) domains.add(form);
  const addresses = new Set<string>();
  for (const a of rules.addresses) {
    const at = a.lastIndexOf('@');
    for (const form of domainForms(a.slice(at + 1))) addresses.add(`${a.slice(0, at + 1)}${form}`);
  }
  return { domains: [...domains], addresses };
}

// A domain as written, and its other spelling when it has one.
function domainForms(domain: string): string[] {
  const ascii = domainToASCII(domain);
  const unicode = ascii ? domainToUnicode(ascii) : '';
  return [...new Set([domain, ascii, unicode].filter((d) => d !== ''))];
}

/** The domain of an address: the text after its last `@`. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).replace(/\.$/, '');
}

/** True when any of the (normalised) addresses is a restricted user or at a restricted domain. */
export function hasRestrictedParticipant(
  addresses: Iterable<string>,
  rules: ParticipantRestrictions,
): boolean {
  return restrictingEntry(addresses, rules) !== null;
}

/** The first entry of the lists (a restricted address, or domain) one of the addresses meets. */
export function restrictingEntry(
  addresses: Iterable<string>,
  rules: ParticipantRestrictions,
): string | null {
  for (const written of addresses) {
    // As written, and in the domain's canonical ASCII form (full-width letters, decomposed
    // accents and other dots map to the form the lists hold).
    for (const a of spellings(written)) {
      if (rules.addresses.has(a)) return a;
      const domain = domainOf(a);
      const hit = rules.domains.find((d) => domain === d || domain.endsWith(`.${d}`));
      if (hit !== undefined) return hit;
    }
  }
  return null;
}

function spellings(address: string): string[] {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  // eslint-disable-next-line no-control-regex -- plain ASCII letters, digits, dots and hyphens
  if (/^[\x00-\x7f]*$/.test(domain)) return [address]; // already canonical (lower-cased)
  const ascii = domainToASCII(domain);
  const canonical = ascii ? `${address.slice(0, at + 1)}${ascii}` : address;
  return canonical === address ? [address] : [address, canonical];
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
