import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { type KeyRingEntry } from '../../config/app-config';
import { DomainError } from '../errors/domain-error';

export enum CryptoErrorCode {
  CIPHERTEXT_MALFORMED = 'CIPHERTEXT_MALFORMED',
  CIPHERTEXT_UNKNOWN_KEY = 'CIPHERTEXT_UNKNOWN_KEY',
  CIPHERTEXT_TAMPERED = 'CIPHERTEXT_TAMPERED',
  CIPHERTEXT_UNBOUND = 'CIPHERTEXT_UNBOUND',
}

// v2 binds the column and the row's org; v1 (written before 2026-11-30) bound the column only.
const BOUND = 'v2';
const UNBOUND = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Where a value lives: its column (`table.column`) and the org owning its row. Both are the
 * cipher's additional data, so a value copied to another column or another org's row (by someone
 * who can write to the database but holds no key) fails to open instead of being served there.
 */
export interface SealScope {
  column: string;
  orgId: string;
}

/**
 * AES-256-GCM with a key ring. Each ciphertext names the key that sealed it, so adding a key and
 * making it active rotates new writes while old rows still open; `reencrypt` moves them over.
 * Format: `enc:v2:<keyId>:<iv>:<ciphertext+tag>` (base64url parts). `enc:v1` envelopes (column
 * only) open only when `openUnbound` is set, for the upgrade window until `reencrypt` ran.
 */
export class KeyRing {
  private readonly keys: Map<string, Buffer>;

  constructor(
    entries: KeyRingEntry[],
    readonly activeKeyId: string,
    private readonly openUnbound = false,
  ) {
    this.keys = new Map(entries.map((e) => [e.keyId, e.key]));
    if (!this.keys.has(activeKeyId))
      throw new Error(`active key "${activeKeyId}" is not in the ring`);
  }

  /** Seals `plaintext`; the same scope must be given again to open it. */
  encrypt(plaintext: string, scope: SealScope): string {
    const key = this.keys.get(this.activeKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(additionalData(BOUND, scope));
    const body = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return [
      'enc',
      BOUND,
      this.activeKeyId,
      iv.toString('base64url'),
      body.toString('base64url'),
    ].join(':');
  }

  /**
   * Opens an envelope sealed for `scope`. `allowUnbound` lets the key-rotation command open a v1
   * envelope whatever the setting, to seal it again bound to its row's org.
   */
  decrypt(envelope: string, scope: SealScope, allowUnbound = this.openUnbound): string {
    const { version, keyId, iv, body } = parseEnvelope(envelope);
    if (version === UNBOUND && !allowUnbound) {
      throw new DomainError(
        CryptoErrorCode.CIPHERTEXT_UNBOUND,
        'internal',
        'ciphertext sealed without its org (enc:v1): run the re-encrypt command, or set ENCRYPTION_OPEN_UNBOUND=true until it ran',
      );
    }
    const key = this.keys.get(keyId);
    if (!key) {
      throw new DomainError(
        CryptoErrorCode.CIPHERTEXT_UNKNOWN_KEY,
        'internal',
        `ciphertext sealed with key "${keyId}", which is not in the key ring`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(additionalData(version, scope));
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
        'ciphertext failed authentication (another column or org, or altered data)',
        { cause },
      );
    }
  }

  /** True when the envelope was sealed with a key other than the active one, or without its org. */
  needsRotation(envelope: string): boolean {
    const { version, keyId } = parseEnvelope(envelope);
    return keyId !== this.activeKeyId || version !== BOUND;
  }

  static keyIdOf(envelope: string): string {
    return parseEnvelope(envelope).keyId;
  }
}

function additionalData(version: string, scope: SealScope): Buffer {
  // With no "|" in the column, "column|org" cannot be read as another column and org.
  if (scope.column.includes('|')) throw new Error(`"|" in column name "${scope.column}"`);
  return Buffer.from(version === BOUND ? `${scope.column}|${scope.orgId}` : scope.column, 'utf8');
}

function parseEnvelope(envelope: string): {
  version: string;
  keyId: string;
  iv: Buffer;
  body: Buffer;
} {
  const parts = envelope.split(':');
  const [prefix, version = '', keyId, iv, body] = parts;
  if (
    parts.length !== 5 ||
    prefix !== 'enc' ||
    (version !== BOUND && version !== UNBOUND) ||
    !keyId ||
    !iv ||
    !body
  ) {
    throw new DomainError(CryptoErrorCode.CIPHERTEXT_MALFORMED, 'internal', 'not an enc envelope');
  }
  const ivBytes = Buffer.from(iv, 'base64url');
  const bodyBytes = Buffer.from(body, 'base64url');
  if (ivBytes.length !== IV_BYTES || bodyBytes.length < TAG_BYTES) {
    throw new DomainError(CryptoErrorCode.CIPHERTEXT_MALFORMED, 'internal', 'truncated envelope');
  }
  return { version, keyId, iv: ivBytes, body: bodyBytes };
}
