#!/usr/bin/env bash
# The one line that runs the product on a fresh machine: installs what is missing, builds, and
# starts the emulator (demo tenant), API, worker and SPA. Prints the URL to open.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROX365_SKIP_BROWSER=1 bash tooling/dev/ensure-services.sh
pnpm install --frozen-lockfile
pnpm turbo run build --output-logs=errors-only
exec node tooling/dev/demo.mjs
