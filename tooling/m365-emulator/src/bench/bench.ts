// Benchmark (not a test): requests/s and memory for a 10,000-user tenant and a delta walk over a
// 1,000,000-message mailbox. Run with `pnpm --filter @rox365/m365-emulator bench`.
import { startEmulator, type RunningEmulator } from '../index';

const BIG_USERS = 10_000;
const BIG_MAILBOX = 1_000_000;

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function getJson(
  url: string,
  headers: Record<string, string>,
): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`${url} → ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** An app-only Graph token by client secret, straight from the token endpoint. */
async function appToken(emu: RunningEmulator, tenant: string): Promise<string> {
  const res = await fetch(`${emu.baseUrl}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.app.clientId,
      client_secret: emu.app.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function main(): Promise<void> {
  const out = (s: string): boolean => process.stdout.write(`${s}\n`);
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const emu = await startEmulator({
    tls: false,
    seed: [{ domain: 'fabrikam', users: BIG_USERS, adminConsented: true }],
  });
  const startMs = performance.now() - t0;
  out(
    `start-up with a ${BIG_USERS.toLocaleString('en-US')}-user tenant: ${startMs.toFixed(0)} ms, rss ${mb(process.memoryUsage().rss)} (was ${mb(rssBefore)})`,
  );
  const tenant = emu.state.findTenant('fabrikam.com');
  if (!tenant) throw new Error('tenant missing');
  const token = await appToken(emu, 'fabrikam.com');
  const headers = { authorization: `Bearer ${token}` };
  // Throttling would (correctly) stop a walk this long; lift it for the benchmark.
  await emu.control.updateSettings({
    throttle: { concurrentPerMailbox: 4, requestsPerWindow: 1e9, windowSeconds: 600 },
  });

  let t = performance.now();
  let requests = 0;
  let users = 0;
  let url: string | undefined =
    `${emu.graphBaseUrl}/v1.0/users?$top=999&$select=id,userPrincipalName,mail,accountEnabled`;
  while (url) {
    const page = await getJson(url, headers);
    requests++;
    users += (page.value as unknown[]).length;
    url = page['@odata.nextLink'] as string | undefined;
  }
  let secs = (performance.now() - t) / 1000;
  out(
    `users walk: ${users} users in ${requests} requests, ${(requests / secs).toFixed(1)} req/s, ${(users / secs).toFixed(0)} users/s`,
  );

  t = performance.now();
  const n = 500;
  for (let i = 0; i < n; i++)
    await getJson(`${emu.graphBaseUrl}/v1.0/users/${tenant.users.at(i * 17)?.id ?? ''}`, headers);
  secs = (performance.now() - t) / 1000;
  out(`single-user GET: ${(n / secs).toFixed(0)} req/s (sequential)`);

  const bulk = tenant.users.at(1)?.userPrincipalName ?? '';
  // Re-seed one mailbox at a million messages without rebuilding the tenant.
  emu.state.addTenant({
    domain: 'fabrikam',
    users: BIG_USERS,
    adminConsented: true,
    largeMailboxes: [{ userPrincipalName: bulk, inboxMessages: BIG_MAILBOX }],
  });
  const token2 = await appToken(emu, 'fabrikam.com');
  const h2 = { authorization: `Bearer ${token2}`, prefer: 'odata.maxpagesize=1000' };
  t = performance.now();
  requests = 0;
  let messages = 0;
  let peakRss = 0;
  url = `${emu.graphBaseUrl}/v1.0/users/${bulk}/mailFolders/inbox/messages/delta?$select=subject,from,receivedDateTime,isRead`;
  while (url) {
    const page = await getJson(url, h2);
    requests++;
    messages += (page.value as unknown[]).length;
    url = page['@odata.nextLink'] as string | undefined;
    if (requests % 100 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  secs = (performance.now() - t) / 1000;
  out(
    `message delta walk: ${messages.toLocaleString('en-US')} messages in ${requests} requests, ${secs.toFixed(1)} s, ${(requests / secs).toFixed(1)} req/s, ${(messages / secs).toFixed(0)} msg/s, peak rss ${mb(peakRss)}`,
  );
  await emu.stop();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
