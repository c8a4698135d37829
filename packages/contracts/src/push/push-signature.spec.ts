import { createHmac } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { verifyPushSignature } from './push-signature';

const secret = 'whsec_test-secret';
const body = '{"id":"x","type":"mail.changed","orgId":"org_1","cursor":"42","occurredAt":"t"}';
const t = 1_900_000_000;

// Signed the way the API signs (node:crypto), verified by the helper (WebCrypto).
function sign(timestamp: number, payload: string, key = secret): string {
  return createHmac('sha256', key).update(`${timestamp}.${payload}`).digest('hex');
}

describe('verifyPushSignature', () => {
  it('accepts a signature made with the secret over "t.body", within the tolerance', async () => {
    const header = `t=${t},v1=${sign(t, body)}`;
    expect(await verifyPushSignature({ header, body, secret, nowSeconds: t + 299 })).toEqual({
      ok: true,
      timestamp: t,
    });
    expect(await verifyPushSignature({ header, body, secret, nowSeconds: t - 299 })).toMatchObject({
      ok: true,
    });
  });

  it('refuses a changed body, another secret, or another timestamp', async () => {
    const header = `t=${t},v1=${sign(t, body)}`;
    const now = t;
    expect(
      await verifyPushSignature({
        header,
        body: body.replace('42', '43'),
        secret,
        nowSeconds: now,
      }),
    ).toEqual({ ok: false, reason: 'mismatch' });
    expect(
      await verifyPushSignature({ header, body, secret: 'whsec_other', nowSeconds: now }),
    ).toEqual({ ok: false, reason: 'mismatch' });
    const moved = `t=${t + 1},v1=${sign(t, body)}`;
    expect(await verifyPushSignature({ header: moved, body, secret, nowSeconds: now })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses a timestamp outside the tolerance (a replay)', async () => {
    const header = `t=${t},v1=${sign(t, body)}`;
    expect(await verifyPushSignature({ header, body, secret, nowSeconds: t + 301 })).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(
      await verifyPushSignature({ header, body, secret, nowSeconds: t + 60, toleranceSeconds: 30 }),
    ).toEqual({ ok: false, reason: 'stale' });
  });

  it('accepts any of several v1 values (rotation) and refuses malformed headers', async () => {
    const header = `t=${t},v1=${sign(t, body, 'old')},v1=${sign(t, body)}`;
    expect(await verifyPushSignature({ header, body, secret, nowSeconds: t })).toMatchObject({
      ok: true,
    });
    for (const bad of [
      undefined,
      '',
      `v1=${sign(t, body)}`,
      `t=${t}`,
      `t=abc,v1=${sign(t, body)}`,
      `t=${t},v1=${sign(t, body).slice(2)}`,
      `t=${t},v1=zz${sign(t, body).slice(2)}`,
      `t=${t};v1=${sign(t, body)}`,
    ]) {
      expect(await verifyPushSignature({ header: bad, body, secret, nowSeconds: t }), bad).toEqual({
        ok: false,
        reason: 'malformed',
      });
    }
  });
});
