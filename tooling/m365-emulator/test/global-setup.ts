import { ensureEmulatorCa } from '../src/index';

// Runs once in vitest's main process before workers fork: workers inherit the variable, and
// Node reads NODE_EXTRA_CA_CERTS at start-up, so both MSAL's https client and fetch trust the CA.
export default function setup(): void {
  const caPath = ensureEmulatorCa();
  process.env.NODE_EXTRA_CA_CERTS = caPath;
}
