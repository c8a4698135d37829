import { createHmac } from 'node:crypto';

/**
 * The `Rox-Signature` value: HMAC-SHA256 over `${t}.${body}` with the endpoint's secret (its
 * UTF-8 bytes). Receivers check it with `verifyPushSignature` from @rox365/contracts.
 */
export function signPush(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}
