import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources under the "@rox365/source" condition.
const conditions = ['@rox365/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    // Sets NODE_EXTRA_CA_CERTS before workers fork, so MSAL and fetch trust the emulator's CA.
    globalSetup: ['./test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.reports/vitest.json' },
  },
});
