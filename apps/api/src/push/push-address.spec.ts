import { describe, expect, it } from 'vitest';

import { parseCidr } from '../config/cidr';
import { PushAddressPolicy } from './push-address';

describe('PushAddressPolicy', () => {
  const strict = new PushAddressPolicy({ allowLoopback: false, privateNetworks: [] });
  const dev = new PushAddressPolicy({ allowLoopback: true, privateNetworks: [] });
  const roxNetworks = new PushAddressPolicy({
    allowLoopback: false,
    privateNetworks: ['10.20.0.0/16', 'fd12:3456::/48'],
  });

  it.each([
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '127.0.0.1',
    '127.8.9.10',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a00:1',
    '2002:a00:1::',
    'not an address',
    '',
  ])('refuses %s', (address) => {
    expect(strict.refuses(address)).toBe(true);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'allows %s',
    (address) => {
      expect(strict.refuses(address)).toBe(false);
    },
  );

  it('allows loopback only where development allows it', () => {
    expect(dev.refuses('127.0.0.1')).toBe(false);
    expect(dev.refuses('::1')).toBe(false);
    expect(dev.refuses('10.0.0.1')).toBe(true);
  });

  it("allows the deployment's own networks and nothing next to them", () => {
    expect(roxNetworks.refuses('10.20.7.8')).toBe(false);
    expect(roxNetworks.refuses('::ffff:10.20.7.8')).toBe(false);
    expect(roxNetworks.refuses('fd12:3456::9')).toBe(false);
    expect(roxNetworks.refuses('10.21.0.1')).toBe(true);
    expect(roxNetworks.refuses('fd12:3457::9')).toBe(true);
    expect(roxNetworks.refuses('127.0.0.1')).toBe(true);
  });

  it.each([
    ['[::1]', true],
    ['LOCALHOST', true],
    ['a.b.localhost', true],
    ['localhost.rox.example', false],
    ['rox.example', false],
    ['192.168.0.10', true],
  ])('judges the host %s before any lookup: refused %s', (host, refused) => {
    expect(strict.refusesHost(host)).toBe(refused);
  });

  it('refuses to start with a malformed network', () => {
    expect(
      () => new PushAddressPolicy({ allowLoopback: false, privateNetworks: ['10.0.0.0'] }),
    ).toThrow('not a CIDR');
  });
});

describe('parseCidr', () => {
  it.each([
    ['10.20.0.0/16', { address: '10.20.0.0', prefix: 16, family: 'ipv4' }],
    [' fd12::/48 ', { address: 'fd12::', prefix: 48, family: 'ipv6' }],
    ['0.0.0.0/0', { address: '0.0.0.0', prefix: 0, family: 'ipv4' }],
  ])('reads %s', (text, expected) => {
    expect(parseCidr(text)).toEqual(expected);
  });

  it.each([
    '10.20.0.0',
    '10.20.0.0/33',
    'fd12::/129',
    'rox.example/8',
    '10.0.0.0/8/1',
    '10.0.0.0/-1',
    '10.0.0.0/ 8',
  ])('refuses %s', (text) => {
    expect(parseCidr(text)).toBeNull();
  });
});
