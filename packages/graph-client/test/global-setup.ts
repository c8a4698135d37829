import { DEFAULT_DATA_DIR, ensureEmulatorCa } from '@rox365/m365-emulator';

// Node reads NODE_EXTRA_CA_CERTS only at start-up: set it here, in vitest's main process, so the
// forked test workers inherit it and both MSAL's https client and fetch trust the emulator.
export default function setup(): void {
  process.env.NODE_EXTRA_CA_CERTS = ensureEmulatorCa(DEFAULT_DATA_DIR);
}
