import { describe, expect, it } from 'vitest';

import {
  bindingCookie,
  bindingFrom,
  bindingMatches,
  clearedBindingCookie,
  INDIVIDUAL_BINDING,
  newBrowserBinding,
  ORGWIDE_BINDING,
} from './browser-binding';

describe('browser binding', () => {
  it('is Secure exactly when the public URL is https, and always HttpOnly, Lax, path-scoped', () => {
    const https = bindingCookie(ORGWIDE_BINDING, 'v', 'https://rox.example', 900);
    const http = bindingCookie(ORGWIDE_BINDING, 'v', 'http://localhost:3000', 900);
    for (const cookie of [https, http]) {
      expect(cookie).toMatch(
        /^rox365_orgwide_consent=v; Max-Age=900; Path=\/api\/v1\/orgwide\/consent; HttpOnly/,
      );
      expect(cookie).toMatch(/SameSite=Lax/);
    }
    expect(https).toMatch(/; Secure/);
    expect(http).not.toMatch(/Secure/);
    expect(clearedBindingCookie(INDIVIDUAL_BINDING, 'https://rox.example')).toMatch(
      /^rox365_individual_connect=; Max-Age=0; Path=\/api\/v1\/individual-connections;/,
    );
  });

  it('matches only the value whose hash was stored, and only under its own cookie name', () => {
    const binding = newBrowserBinding();
    const header = `other=1; ${ORGWIDE_BINDING.name}=${binding.value}`;
    expect(bindingMatches(bindingFrom(ORGWIDE_BINDING, header), binding.hash)).toBe(true);
    expect(bindingFrom(INDIVIDUAL_BINDING, header)).toBeNull();
    expect(bindingMatches(newBrowserBinding().value, binding.hash)).toBe(false);
    expect(bindingMatches(null, binding.hash)).toBe(false);
    expect(bindingMatches(binding.value, 'not-a-hash')).toBe(false);
    expect(bindingFrom(ORGWIDE_BINDING, `${ORGWIDE_BINDING.name}=${'x'.repeat(200)}`)).toBeNull();
  });
});
