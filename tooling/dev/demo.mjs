// Runs the product on the local Microsoft emulator and prints the one URL to open.
import { startStack } from './stack.mjs';

const stack = await startStack({
  // Outlook changes reach the console within seconds: the emulator posts to the local API.
  notifications: true,
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`
Rox 365 Integration is running.

  Open ${stack.webUrl}

  Sign in as the demo admin (Isaiah Langer), open Integrations → Microsoft Enterprise → Connect,
  accept on the emulator's consent page as isaiah.langer@contoso.com, and explore the console.
  Emulated Entra admin portal: ${stack.portalUrl}   API reference: ${stack.webUrl}/api/docs

  Press Ctrl-C to stop.
`);
const shutdown = () => {
  void stack.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
