import { type PushAddressPolicy } from './push-address';

/** Why an endpoint URL is refused, for the field error. */
export type PushUrlRefusal = 'not_a_url' | 'not_https' | 'has_credentials' | 'private_address';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Where pushes may go: https only (the notice and its signature travel in the clear otherwise),
 * no credentials in the URL (they would be stored and shown); plain http to this machine only
 * where the deployment allows it (development); no host that is, or names, a private address
 * (names that resolve to one are refused when the push connects). The fragment is dropped.
 */
export function checkPushUrl(
  raw: string,
  options: { allowLoopbackHttp: boolean; addresses: PushAddressPolicy },
): { ok: true; url: string } | { ok: false; reason: PushUrlRefusal } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not_a_url' };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'has_credentials' };
  const isLoopbackHttp =
    url.protocol === 'http:' && options.allowLoopbackHttp && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !isLoopbackHttp) return { ok: false, reason: 'not_https' };
  if (options.addresses.refusesHost(url.hostname)) return { ok: false, reason: 'private_address' };
  url.hash = '';
  return { ok: true, url: url.href };
}
