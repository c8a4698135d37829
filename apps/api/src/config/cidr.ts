import { isIP } from 'node:net';

/** A CIDR such as those of `PUSH_PRIVATE_NETWORKS` ("10.20.0.0/16", "fd12::/48"), or null when malformed. */
export function parseCidr(
  text: string,
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const version = isIP(address);
  if (version === 0 || prefixText === undefined || rest.length > 0) return null;
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > (version === 4 ? 32 : 128)) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}
