import { describe, expect, it } from 'vitest';

import { checkPushUrl } from './push-url';

describe('checkPushUrl', () => {
  const strict = { allowLoopbackHttp: false };
  const dev = { allowLoopbackHttp: true };

  it.each([
    ['https://rox.example/hooks/m365', strict, 'https://rox.example/hooks/m365'],
    ['https://rox.example:8443/h?x=1#frag', strict, 'https://rox.example:8443/h?x=1'],
    ['HTTPS://Rox.Example/h', strict, 'https://rox.example/h'],
    ['http://127.0.0.1:4000/h', dev, 'http://127.0.0.1:4000/h'],
    ['http://localhost/h', dev, 'http://localhost/h'],
    ['http://[::1]:9/h', dev, 'http://[::1]:9/h'],
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
  ])('refuses %s', (raw, options, reason) => {
    expect(checkPushUrl(raw, options)).toEqual({ ok: false, reason });
  });
});
