import { BlockList, isIP } from 'node:net';

import { parseCidr } from '../config/cidr';

// Addresses that are not the public internet (IANA's special-purpose registries): a receiver URL
// that leads to one of them would let an org's admin make the worker call the deployment's own
// network and read the answer's start in the delivery log.
const NOT_PUBLIC: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata services
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved and broadcast
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'], // NAT64: an IPv4 address inside
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001::', 23, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['2002::', 16, 'ipv6'], // 6to4: an IPv4 address inside
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'], // multicast
];
const LOOPBACK: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']> = [
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
];

/**
 * Which addresses a push may connect to: public ones, the networks the deployment names for its
 * own Rox services, and loopback where development allows it. IPv4-mapped IPv6 addresses are
 * judged by their IPv4 address (BlockList does so).
 */
export class PushAddressPolicy {
  private readonly refused = new BlockList();
  private readonly allowed = new BlockList();

  constructor(options: { allowLoopback: boolean; privateNetworks: readonly string[] }) {
    for (const [address, prefix, family] of NOT_PUBLIC) {
      this.refused.addSubnet(address, prefix, family);
    }
    if (options.allowLoopback) {
      for (const [address, prefix, family] of LOOPBACK) {
        this.allowed.addSubnet(address, prefix, family);
      }
    }
    for (const cidr of options.privateNetworks) {
      const parsed = parseCidr(cidr);
      if (!parsed) throw new Error(`not a CIDR: ${cidr}`);
      this.allowed.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
  }

  /** True when a push must not connect to this IP address (any text that is not one, too). */
  refuses(address: string): boolean {
    const version = isIP(address);
    if (version === 0) return true;
    const family = version === 4 ? 'ipv4' : 'ipv6';
    return this.refused.check(address, family) && !this.allowed.check(address, family);
  }

  /**
   * The URL host's verdict before any lookup: an IP literal is judged at once, "localhost" (and
   * its subdomains, which resolvers send to loopback) as loopback; other names only once they
   * resolve, at connect time.
   */
  refusesHost(hostname: string): boolean {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (isIP(host) !== 0) return this.refuses(host);
    if (host === 'localhost' || host.endsWith('.localhost')) return this.refuses('127.0.0.1');
    return false;
  }
}
