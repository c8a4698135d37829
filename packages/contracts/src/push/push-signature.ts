/** The header every push carries: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export const PUSH_SIGNATURE_HEADER = 'Rox-Signature';

/** How far a push's timestamp may be from the receiver's clock (replayed notices are refused). */
export const PUSH_SIGNATURE_TOLERANCE_SECONDS = 300;

export interface VerifyPushSignatureInput {
  /** The `Rox-Signature` header as received. */
  header: string | null | undefined;
  /** The raw request body, exactly as received (before any JSON parsing). */
  body: string;
  /** The endpoint's secret, as answered at creation or rotation. */
  secret: string;
  /** The receiver's clock in unix seconds; defaults to now. */
  nowSeconds?: number;
  toleranceSeconds?: number;
}

export type VerifyPushSignatureResult =
  { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

/**
 * Checks a push's signature for a Rox backend: HMAC-SHA256 over `${t}.${body}` with the
 * endpoint's secret, compared in constant time (WebCrypto `verify`), and `t` within the
 * tolerance. Works in Node 20+ and browsers; imports nothing.
 */
export async function verifyPushSignature(
  input: VerifyPushSignatureInput,
): Promise<VerifyPushSignatureResult> {
  const parsed = parseSignatureHeader(input.header);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? PUSH_SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(now - parsed.timestamp) > tolerance) return { ok: false, reason: 'stale' };

  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(input.secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const signed = encoder.encode(`${parsed.timestamp}.${input.body}`);
  // A header may carry several v1 values while a secret is being rotated: any one may match.
  for (const candidate of parsed.signatures) {
    if (await crypto.subtle.verify('HMAC', key, candidate, signed)) {
      return { ok: true, timestamp: parsed.timestamp };
    }
  }
  return { ok: false, reason: 'mismatch' };
}

function parseSignatureHeader(
  header: string | null | undefined,
): { timestamp: number; signatures: Uint8Array<ArrayBuffer>[] } | null {
  if (!header || header.length > 1024) return null;
  let timestamp: number | null = null;
  const signatures: Uint8Array<ArrayBuffer>[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0) return null;
    if (name === 't') {
      if (!/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (name === 'v1') {
      const bytes = hexToBytes(value);
      if (!bytes) return null;
      signatures.push(bytes);
    }
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  // SHA-256: 32 bytes.
  if (!/^[0-9a-f]{64}$/i.test(hex)) return null;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i += 1) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
