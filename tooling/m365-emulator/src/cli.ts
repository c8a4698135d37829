import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { consentPoliciesOf } from './cli-options';
import {
  DEFAULT_DATA_DIR,
  exportCa,
  seedSpecs,
  startEmulator,
  type SeedName,
  type TenantSpec,
} from './index';

const USAGE = `Usage: node dist/cli.js [--port 4010] [--host 127.0.0.1] [--seed demo|demo-10k|empty]
       [--tenant-file tenants.json] [--tls on|off] [--data-dir dir] [--redirect-uri uri ...]
       [--individual-redirect-uri uri ...] [--export-ca file]
       [--user-consent on|off] [--user-consent-tenant id|domain ...] [--admin-consent-workflow on|off]
       [--loopback-http-notifications on|off]
  --redirect-uri             a redirect URI of the org-wide app
  --individual-redirect-uri  a redirect URI of the individual app
  --user-consent off         "Do not allow user consent" (members get "Approval required"); default on
  --user-consent-tenant      which tenants --user-consent applies to (default: the seed's first, Contoso)
  --admin-consent-workflow   whether members may request approval; default on with --user-consent off
  --loopback-http-notifications on
                             accept http://127.0.0.1 (localhost, [::1]) notification URLs, so a local
                             API without TLS gets change notifications; Microsoft requires https
                             (emulator-only allowance, default off)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string', default: 'demo' },
      'tenant-file': { type: 'string' },
      tls: { type: 'string', default: 'on' },
      'data-dir': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'individual-redirect-uri': { type: 'string', multiple: true },
      'export-ca': { type: 'string' },
      'user-consent': { type: 'string' },
      'user-consent-tenant': { type: 'string', multiple: true },
      'admin-consent-workflow': { type: 'string' },
      'loopback-http-notifications': { type: 'string', default: 'off' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : DEFAULT_DATA_DIR;
  if (values['export-ca']) {
    const target = exportCa(dataDir, resolve(values['export-ca']));
    process.stdout.write(`CA certificate written to ${target}\n`);
    if (!values['tenant-file'] && process.argv.every((a) => !a.startsWith('--port'))) return;
  }
  let seed: SeedName | TenantSpec[] = values.seed as SeedName;
  if (values['tenant-file'])
    seed = JSON.parse(readFileSync(resolve(values['tenant-file']), 'utf8')) as TenantSpec[];
  const consentPolicies = consentPoliciesOf(values, seedSpecs(seed));
  const loopback = values['loopback-http-notifications'];
  if (loopback !== 'on' && loopback !== 'off')
    throw new Error(`--loopback-http-notifications takes on or off, not '${loopback}'`);
  const emu = await startEmulator({
    consentPolicies,
    settings: { allowLoopbackHttpNotificationUrls: loopback === 'on' },
    port: Number(values.port),
    host: values.host,
    seed,
    tls: values.tls !== 'off',
    dataDir,
    apps: {
      orgwide: { redirectUris: values['redirect-uri'] ?? [] },
      individual: { redirectUris: values['individual-redirect-uri'] ?? [] },
    },
    onError: (e) =>
      process.stderr.write(
        `emulator error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      ),
  });
  const lines = [
    `M365 emulator listening on ${emu.baseUrl}`,
    `  authority host : ${emu.authorityHost}   (MSAL knownAuthorities: ["${new URL(emu.baseUrl).host}"])`,
    `  graph base url : ${emu.graphBaseUrl}/v1.0`,
    `  portal         : ${emu.baseUrl}/portal`,
    `  CA certificate : ${emu.caCertPath}   (export NODE_EXTRA_CA_CERTS=${emu.caCertPath})`,
    `  org-wide app   : ${emu.apps.orgwide.clientId}   (${emu.apps.orgwide.displayName})`,
    `  individual app : ${emu.apps.individual.clientId}   (${emu.apps.individual.displayName})`,
    ...Object.entries(consentPolicies).map(
      ([t, p]) =>
        `  consent policy : ${t}: user consent ${p.userConsent === 'notAllowed' ? 'off' : 'on'}, admin consent workflow ${p.adminConsentWorkflow ? 'on' : 'off'}`,
    ),
    `  tenants        : ${[...emu.state.tenants.values()].map((t) => `${t.displayName} ${t.id} (${t.domains.join(', ')})`).join('; ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = (): void => {
    void emu.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
  process.exit(1);
});
