import { type DirectoryUserFields } from './entities/directory-user.entity';

/** Lower-cases and trims an address so Rox and Microsoft spellings compare equal. */
export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * Every address a directory user receives mail at: mail, UPN and the SMTP proxy addresses
 * (`SMTP:` primary and `smtp:` aliases; X500, SIP and other types are not email addresses).
 */
export function directoryAddresses(fields: DirectoryUserFields): string[] {
  const out = new Set<string>();
  if (fields.mail) out.add(normalizeAddress(fields.mail));
  if (fields.userPrincipalName) out.add(normalizeAddress(fields.userPrincipalName));
  for (const proxy of fields.proxyAddresses) {
    const match = /^smtp:(.+)$/i.exec(proxy.trim());
    if (match?.[1]) out.add(normalizeAddress(match[1]));
  }
  return [...out].filter((a) => a.length > 0);
}

/** What the mapping needs of a directory user. */
export interface MappableUser {
  id: string;
  userPrincipalName: string;
  mail: string | null;
  addresses: readonly string[];
  accountEnabled: boolean | null;
}

/** How a member's email matched a directory user; lower is stronger. */
export type MatchKind = 'mail' | 'upn' | 'proxy';
const MATCH_RANK: Record<MatchKind, number> = { mail: 0, upn: 1, proxy: 2 };

function matchKind(user: MappableUser, email: string): MatchKind | null {
  if (user.mail && normalizeAddress(user.mail) === email) return 'mail';
  if (normalizeAddress(user.userPrincipalName) === email) return 'upn';
  return user.addresses.includes(email) ? 'proxy' : null;
}

/**
 * The directory user a member's email belongs to. When several users carry the address (an
 * alias reused after a rename, a guest copy) the strongest match wins: mail before UPN before
 * proxy address, an enabled account before a disabled one, then the lowest id for stability.
 */
export function pickMatch<U extends MappableUser>(
  candidates: readonly U[],
  email: string,
): U | null {
  const key = normalizeAddress(email);
  let best: { user: U; rank: number } | null = null;
  for (const user of candidates) {
    const kind = matchKind(user, key);
    if (kind === null) continue;
    const rank = MATCH_RANK[kind] * 2 + (user.accountEnabled === false ? 1 : 0);
    if (!best || rank < best.rank || (rank === best.rank && user.id < best.user.id)) {
      best = { user, rank };
    }
  }
  return best?.user ?? null;
}

/** Index of directory users by address, for mapping many members at once. */
export class AddressIndex<U extends MappableUser> {
  private readonly byAddress = new Map<string, U[]>();

  constructor(users: Iterable<U>) {
    for (const user of users) {
      for (const address of user.addresses) {
        const list = this.byAddress.get(address);
        if (list) list.push(user);
        else this.byAddress.set(address, [user]);
      }
    }
  }

  match(email: string): U | null {
    return pickMatch(this.byAddress.get(normalizeAddress(email)) ?? [], email);
  }
}
