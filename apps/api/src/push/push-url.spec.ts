import { describe, expect, it } from 'vitest';

import { PushAddressPolicy } from './push-address';
import { checkPushUrl } from './push-url';

describe('checkPushUrl', () => {
  const strict = {
    allowLoopbackHttp: false,
    addresses: new PushAddressPolicy({ allowLoopback: false, privateNetworks: [] }),
  };
  const dev = {
    allowLoopbackHttp: true,
    addresses: new PushAddressPolicy({ allowLoopback: true, privateNetworks: [] }),
  };
  const roxNetwork = {
    allowLoopbackHttp: false,
    addresses: new PushAddressPolicy({ allowLoopback: false, privateNetworks: ['10.20.0.0/16'] }),
  };

  it.each([
    ['https://rox.example/hooks/m365', strict, 'https://rox.example/hooks/m365'],
    ['https://rox.example:8443/h?x=1#frag', strict, 'https://rox.example:8443/h?x=1'],
    ['HTTPS://Rox.Example/h', strict, 'https://rox.example/h'],
    ['http://127.0.0.1:4000/h', dev, 'http://127.0.0.1:4000/h'],
    ['http://localhost/h', dev, 'http://localhost/h'],
    ['http://[::1]:9/h', dev, 'http://[::1]:9/h'],
    ['https://10.20.3.4/h', roxNetwork, 'https://10.20.3.4/h'],
    ['https://93.184.215.14/h', strict, 'https://93.184.215.14/h'],
  ])('accepts %s', (raw, options, expected) => {
    expect(checkPushUrl(raw, options)).toEqual({ ok: true, url: expected });
  });

  it.each([
    ['rox.example/h', dev, 'not_a_url'],
    ['', dev, 'not_a_url'],
    ['http://rox.example/h', dev, 'not_https'],
    ['http://127.0.0.1/h', strict, 'not_https'],
    ['http://localhost.rox.example/h', dev, 'not_https'],
    ['http://127.0.0.2/h', dev, 'not_https'],
    ['ftp://rox.example/h', dev, 'not_https'],
    ['javascript:alert(1)', dev, 'not_https'],
    ['https://user:pw@rox.example/h', strict, 'has_credentials'],
    ['https://token@rox.example/h', strict, 'has_credentials'],
    ['https://10.0.3.7:8443/admin', strict, 'private_address'],
    ['https://10.21.0.1/h', roxNetwork, 'private_address'],
    ['https://169.254.169.254/latest', strict, 'private_address'],
    ['https://127.0.0.1/h', strict, 'private_address'],
    ['https://2130706433/h', strict, 'private_address'],
    ['https://[::ffff:127.0.0.1]/h', strict, 'private_address'],
    ['https://[fd00::1]/h', strict, 'private_address'],
    ['https://localhost/h', strict, 'private_address'],
    ['https://api.localhost/h', strict, 'private_address'],
  ])('refuses %s', (raw, options, reason) => {
    expect(checkPushUrl(raw, options)).toEqual({ ok: false, reason });
  });
});
