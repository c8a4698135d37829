import { describe, expect, it } from 'vitest';

import { verifyPushSignature } from '@rox365/contracts';

import { signPush } from './push-signature';

describe('signPush', () => {
  it('produces what the receivers’ helper accepts, and only for that body and secret', async () => {
    const body = JSON.stringify({ type: 'calendar.changed', cursor: '7' });
    const header = signPush('whsec_a', 1_800_000_000, body);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    const check = (b: string, secret: string) =>
      verifyPushSignature({ header, body: b, secret, nowSeconds: 1_800_000_010 });
    expect(await check(body, 'whsec_a')).toEqual({ ok: true, timestamp: 1_800_000_000 });
    expect(await check(body, 'whsec_b')).toEqual({ ok: false, reason: 'mismatch' });
    expect(await check(`${body} `, 'whsec_a')).toEqual({ ok: false, reason: 'mismatch' });
  });
});
