import { writeFileSync } from 'node:fs';

import { createAppHandler } from './app-handler';
import { ControlApi } from './control/control-api';
import { ControlClient } from './control/control-client';
import { wireFeatures } from './features';
import { GraphService } from './graph/router';
import { graphRoutes } from './graph/routes';
import { startHttpServer } from './http/server';
import { FABRIKAM_PEOPLE } from './seed/demo-tenant';
import type { SeedName, TenantSpec } from './seed/tenant-spec';
import type { AppOverrides, AppRegistration } from './state/app';
import { EmulatorState } from './state/emulator-state';
import type { EmulatorSettings } from './state/settings';
import type { ConsentPolicy } from './state/tenant';
import { caPathOf, DEFAULT_DATA_DIR, ensureEmulatorCa, loadOrCreateMaterial } from './tls/material';

export interface StartEmulatorOptions {
  /** 0 picks a free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A built-in seed or explicit tenant specs. Default 'demo'. */
  seed?: SeedName | TenantSpec[];
  /** Serve HTTPS with a certificate from the emulator's CA. Default true (MSAL needs https). */
  tls?: boolean;
  /** Where the CA and keys live. Default tooling/m365-emulator/.emulator. */
  dataDir?: string;
  /** Overrides of the org-wide app registration (same as `apps.orgwide`, which wins). */
  app?: AppOverrides;
  /** Overrides of each app registration: redirect URIs, permissions, ID token claims. */
  apps?: { orgwide?: AppOverrides; individual?: AppOverrides };
  settings?: Partial<EmulatorSettings>;
  /**
   * Consent policies to apply to seeded tenants after seeding, keyed by tenant id or domain, e.g.
   * `{ 'contoso.com': { userConsent: 'notAllowed', adminConsentWorkflow: true } }` (the CLI's
   * `--user-consent off`). An unknown tenant fails the start.
   */
  consentPolicies?: Record<string, Partial<ConsentPolicy>>;
  /** Instant the seed places mail and meetings around. Default: now. */
  now?: Date;
  /** Receives unexpected handler errors. Default: ignored (the client gets a 500). */
  onError?: (e: unknown) => void;
}

export interface RunningEmulator {
  baseUrl: string;
  /** Stand-in for https://login.microsoftonline.com. */
  authorityHost: string;
  /** Stand-in for https://graph.microsoft.com (clients append /v1.0). */
  graphBaseUrl: string;
  port: number;
  caCertPem: string;
  caCertPath: string;
  /** Rox's two app registrations. */
  apps: { orgwide: AppRegistration; individual: AppRegistration };
  /** @deprecated The org-wide registration (`apps.orgwide`); kept while callers move over. */
  app: AppRegistration;
  control: ControlClient;
  /** In-process access to the state, for tests that need more than the control API. */
  state: EmulatorState;
  stop(): Promise<void>;
}

/** Tenant specs for a built-in seed name. */
export function seedSpecs(seed: SeedName | TenantSpec[]): TenantSpec[] {
  if (Array.isArray(seed)) return seed;
  switch (seed) {
    case 'demo':
      // Fabrikam is small: it is the guest's home tenant and the "other tenant" of sign-in tests.
      return [{ domain: 'contoso' }, { domain: 'fabrikam', users: FABRIKAM_PEOPLE.length }];
    case 'demo-10k':
      return [{ domain: 'contoso' }, { domain: 'fabrikam', users: 10_000, seed: 'fabrikam-10k' }];
    case 'empty':
      return [];
  }
}

/** Starts an emulator of login.microsoftonline.com and graph.microsoft.com on one local origin. */
export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  const material = loadOrCreateMaterial(dataDir);
  const caCertPath = ensureEmulatorCa(dataDir);
  const state = new EmulatorState(
    material,
    {
      orgwide: { ...opts.app, ...opts.apps?.orgwide },
      individual: { ...opts.apps?.individual },
    },
    (opts.now ?? new Date()).getTime(),
  );
  Object.assign(state.settings, opts.settings ?? {});
  for (const spec of seedSpecs(opts.seed ?? 'demo')) state.addTenant(spec);
  for (const [key, policy] of Object.entries(opts.consentPolicies ?? {})) {
    const tenant = state.findTenant(key);
    if (!tenant) throw new Error(`consentPolicies: unknown tenant '${key}'`);
    Object.assign(tenant.consentPolicy, policy);
  }
  const graph = new GraphService(state, graphRoutes());
  const control = new ControlApi(state, graph);
  wireFeatures(state, graph, control);
  const tls = opts.tls ?? true;
  const host = opts.host ?? '127.0.0.1';
  const server = await startHttpServer({
    host,
    port: opts.port ?? 0,
    ...(tls ? { tls: { cert: material.serverCertPem, key: material.serverKeyPem } } : {}),
    handler: createAppHandler(state, graph, control),
    onError: opts.onError ?? (() => undefined),
  });
  // "localhost" matches the certificate and is what MSAL's knownAuthorities compares.
  const baseUrl = `${tls ? 'https' : 'http'}://${host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host}:${server.port}`;
  return {
    baseUrl,
    authorityHost: baseUrl,
    graphBaseUrl: baseUrl,
    port: server.port,
    caCertPem: material.caCertPem,
    caCertPath,
    apps: state.apps,
    app: state.apps.orgwide,
    control: new ControlClient(baseUrl, material.caCertPem),
    state,
    stop: () => server.close(),
  };
}

/** Writes the CA certificate to a file (the CLI's --export-ca). */
export function exportCa(dataDir: string, target: string): string {
  ensureEmulatorCa(dataDir);
  const pem = loadOrCreateMaterial(dataDir).caCertPem;
  writeFileSync(target, pem);
  return target;
}

export { caPathOf, DEFAULT_DATA_DIR };
