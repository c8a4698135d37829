import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { type KeyRingEntry } from '../../config/app-config';
import { DomainError } from '../errors/domain-error';

export enum CryptoErrorCode {
  CIPHERTEXT_MALFORMED = 'CIPHERTEXT_MALFORMED',
  CIPHERTEXT_UNKNOWN_KEY = 'CIPHERTEXT_UNKNOWN_KEY',
  CIPHERTEXT_TAMPERED = 'CIPHERTEXT_TAMPERED',
}

const PREFIX = 'enc:v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a key ring. Each ciphertext names the key that sealed it, so adding a key and
 * making it active rotates new writes while old rows still open; `reencrypt` moves them over.
 * Format: `enc:v1:<keyId>:<iv>:<ciphertext+tag>` (base64url parts).
 */
export class KeyRing {
  private readonly keys: Map<string, Buffer>;

  constructor(
    entries: KeyRingEntry[],
    readonly activeKeyId: string,
  ) {
    this.keys = new Map(entries.map((e) => [e.keyId, e.key]));
    if (!this.keys.has(activeKeyId))
      throw new Error(`active key "${activeKeyId}" is not in the ring`);
  }

  /** Seals `plaintext`; `context` (e.g. "table.column") must be given again to open it. */
  encrypt(plaintext: string, context: string): string {
    const key = this.keys.get(this.activeKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return [PREFIX, this.activeKeyId, iv.toString('base64url'), body.toString('base64url')].join(
      ':',
    );
  }

  decrypt(envelope: string, context: string): string {
    const { keyId, iv, body } = parseEnvelope(envelope);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new DomainError(
        CryptoErrorCode.CIPHERTEXT_UNKNOWN_KEY,
        'internal',
        `ciphertext sealed with key "${keyId}", which is not in the key ring`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch (cause) {
      throw new DomainError(
        CryptoErrorCode.CIPHERTEXT_TAMPERED,
        'internal',
        'ciphertext failed authentication (wrong context or altered data)',
        { cause },
      );
    }
  }

  /** True when the envelope was sealed with a key other than the active one. */
  needsRotation(envelope: string): boolean {
    return parseEnvelope(envelope).keyId !== this.activeKeyId;
  }

  static keyIdOf(envelope: string): string {
    return parseEnvelope(envelope).keyId;
  }
}

function parseEnvelope(envelope: string): { keyId: string; iv: Buffer; body: Buffer } {
  const parts = envelope.split(':');
  const [p1, p2, keyId, iv, body] = parts;
  if (parts.length !== 5 || `${p1}:${p2}` !== PREFIX || !keyId || !iv || !body) {
    throw new DomainError(
      CryptoErrorCode.CIPHERTEXT_MALFORMED,
      'internal',
      'not an enc:v1 envelope',
    );
  }
  const ivBytes = Buffer.from(iv, 'base64url');
  const bodyBytes = Buffer.from(body, 'base64url');
  if (ivBytes.length !== IV_BYTES || bodyBytes.length < TAG_BYTES) {
    throw new DomainError(CryptoErrorCode.CIPHERTEXT_MALFORMED, 'internal', 'truncated envelope');
  }
  return { keyId, iv: ivBytes, body: bodyBytes };
}
