import { createCipheriv, randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { KeyRing, type SealScope } from './key-ring';

const k1 = { keyId: 'k1', key: randomBytes(32) };
const k2 = { keyId: 'k2', key: randomBytes(32) };
const body: SealScope = { column: 'mail_message.body_sealed', orgId: 'org-a' };

// What the build before org binding wrote: the column alone as additional data.
function sealedUnbound(key: Buffer, keyId: string, plaintext: string, column: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(column, 'utf8'));
  const sealed = Buffer.concat([
    cipher.update(plaintext, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return ['enc', 'v1', keyId, iv.toString('base64url'), sealed.toString('base64url')].join(':');
}

describe('KeyRing', () => {
  it('round-trips unicode and hides the plaintext', () => {
    const ring = new KeyRing([k1], 'k1');
    const sealed = ring.encrypt('Grüße — 会議 📅', body);
    expect(sealed).toMatch(/^enc:v2:k1:/);
    expect(sealed).not.toContain('Grüße');
    expect(ring.decrypt(sealed, body)).toBe('Grüße — 会議 📅');
  });

  it('uses a fresh IV each time', () => {
    const ring = new KeyRing([k1], 'k1');
    expect(ring.encrypt('same', body)).not.toBe(ring.encrypt('same', body));
  });

  it('opens old ciphertext after rotation and seals new writes with the new key', () => {
    const before = new KeyRing([k1], 'k1').encrypt('secret', body);
    const rotated = new KeyRing([k1, k2], 'k2');
    expect(rotated.decrypt(before, body)).toBe('secret');
    expect(rotated.needsRotation(before)).toBe(true);
    const after = rotated.encrypt('secret', body);
    expect(KeyRing.keyIdOf(after)).toBe('k2');
    expect(rotated.needsRotation(after)).toBe(false);
  });

  it.each([
    ['another column', { column: 'mail_message.subject', orgId: 'org-a' }],
    ['another org', { column: 'mail_message.body_sealed', orgId: 'org-b' }],
  ])('refuses a value moved to %s', (_, scope) => {
    const sealed = new KeyRing([k1], 'k1').encrypt('secret', body);
    expect(() => new KeyRing([k1], 'k1').decrypt(sealed, scope)).toThrow(/another column or org/);
  });

  it('refuses altered bytes, unknown keys and garbage', () => {
    const ring = new KeyRing([k1], 'k1');
    const sealed = ring.encrypt('secret', body);
    const parts = sealed.split(':');
    const bytes = Buffer.from(parts[4] ?? '', 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    parts[4] = bytes.toString('base64url');
    expect(() => ring.decrypt(parts.join(':'), body)).toThrow(/authentication/);
    expect(() => new KeyRing([k2], 'k2').decrypt(sealed, body)).toThrow(/not in the key ring/);
    expect(() => ring.decrypt('plain text', body)).toThrow(/envelope/);
    expect(() => ring.decrypt(sealed.replace('enc:v2:', 'enc:v3:'), body)).toThrow(/envelope/);
  });

  it('takes no "|" in a column name, so column and org cannot be re-split', () => {
    const ring = new KeyRing([k1], 'k1');
    expect(() => ring.encrypt('secret', { column: 'a.b|c', orgId: 'd' })).toThrow(/"\|" in column/);
  });

  it('does not open a bound value relabelled as unbound', () => {
    const sealed = new KeyRing([k1], 'k1').encrypt('secret', body);
    const relabelled = sealed.replace('enc:v2:', 'enc:v1:');
    expect(() => new KeyRing([k1], 'k1', true).decrypt(relabelled, body)).toThrow(/authentication/);
  });

  it('opens an unbound (v1) value only when told to, and marks it for re-encryption', () => {
    const legacy = sealedUnbound(k1.key, 'k1', 'refresh-token', body.column);
    expect(() => new KeyRing([k1], 'k1').decrypt(legacy, body)).toThrow(/without its org/);
    expect(new KeyRing([k1], 'k1').decrypt(legacy, body, true)).toBe('refresh-token');
    const upgrading = new KeyRing([k1], 'k1', true);
    expect(upgrading.decrypt(legacy, body)).toBe('refresh-token');
    // Still bound to its column.
    expect(() => upgrading.decrypt(legacy, { ...body, column: 'a.b' })).toThrow(/authentication/);
    expect(upgrading.needsRotation(legacy)).toBe(true);
  });

  it('will not start with an active key missing from the ring', () => {
    expect(() => new KeyRing([k1], 'k2')).toThrow(/not in the ring/);
  });
});
