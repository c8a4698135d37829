import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { KeyRing } from './key-ring';

const k1 = { keyId: 'k1', key: randomBytes(32) };
const k2 = { keyId: 'k2', key: randomBytes(32) };

describe('KeyRing', () => {
  it('round-trips unicode and hides the plaintext', () => {
    const ring = new KeyRing([k1], 'k1');
    const sealed = ring.encrypt('Grüße — 会議 📅', 'mail_message.body');
    expect(sealed).toMatch(/^enc:v1:k1:/);
    expect(sealed).not.toContain('Grüße');
    expect(ring.decrypt(sealed, 'mail_message.body')).toBe('Grüße — 会議 📅');
  });

  it('uses a fresh IV each time', () => {
    const ring = new KeyRing([k1], 'k1');
    expect(ring.encrypt('same', 'c')).not.toBe(ring.encrypt('same', 'c'));
  });

  it('opens old ciphertext after rotation and seals new writes with the new key', () => {
    const before = new KeyRing([k1], 'k1').encrypt('secret', 'c');
    const rotated = new KeyRing([k1, k2], 'k2');
    expect(rotated.decrypt(before, 'c')).toBe('secret');
    expect(rotated.needsRotation(before)).toBe(true);
    const after = rotated.encrypt('secret', 'c');
    expect(KeyRing.keyIdOf(after)).toBe('k2');
    expect(rotated.needsRotation(after)).toBe(false);
  });

  it('refuses the wrong context, altered bytes, unknown keys and garbage', () => {
    const ring = new KeyRing([k1], 'k1');
    const sealed = ring.encrypt('secret', 'a.b');
    expect(() => ring.decrypt(sealed, 'a.c')).toThrow(/authentication/);
    const parts = sealed.split(':');
    const body = Buffer.from(parts[4] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[4] = body.toString('base64url');
    expect(() => ring.decrypt(parts.join(':'), 'a.b')).toThrow(/authentication/);
    expect(() => new KeyRing([k2], 'k2').decrypt(sealed, 'a.b')).toThrow(/not in the key ring/);
    expect(() => ring.decrypt('plain text', 'a.b')).toThrow(/envelope/);
  });

  it('will not start with an active key missing from the ring', () => {
    expect(() => new KeyRing([k1], 'k2')).toThrow(/not in the ring/);
  });
});
