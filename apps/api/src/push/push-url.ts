/** Why an endpoint URL is refused, for the field error. */
export type PushUrlRefusal = 'not_a_url' | 'not_https' | 'has_credentials';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Where pushes may go: https only (the notice and its signature travel in the clear otherwise),
 * no credentials in the URL (they would be stored and shown); plain http to this machine only
 * where the deployment allows it (development). The fragment is dropped: it is never sent.
 */
export function checkPushUrl(
  raw: string,
  options: { allowLoopbackHttp: boolean },
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
  url.hash = '';
  return { ok: true, url: url.href };
}
