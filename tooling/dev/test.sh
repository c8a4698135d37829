#!/usr/bin/env bash
# The one line that runs every test on a fresh machine: installs what is missing, starts
# PostgreSQL and Redis, builds, checks format, lint and types, runs each package's tests and
# prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

bash tooling/dev/ensure-services.sh || exit 1
pnpm install --frozen-lockfile || exit 1
find apps packages tooling -path '*/node_modules' -prune -o -type d -name .reports -print0 | xargs -0 rm -rf

pnpm turbo run build --output-logs=errors-only
build_status=$?
pnpm exec prettier --check . --log-level warn
format_status=$?
pnpm turbo run lint typecheck --output-logs=errors-only
static_status=$?
test_status=1
if [ "$build_status" = 0 ]; then
  # One package at a time: the machine has two cores and the suites start real servers.
  pnpm turbo run test --concurrency=1 --continue
  test_status=$?
fi

# The checks that are not tests count as failures in the summary, which stays the last line.
failed_checks=""
[ "$build_status" = 0 ] || failed_checks="$failed_checks build"
[ "$format_status" = 0 ] || failed_checks="$failed_checks format"
[ "$static_status" = 0 ] || failed_checks="$failed_checks lint-typecheck"
FAILED_CHECKS="$failed_checks" node tooling/dev/summarize.mjs
summary_status=$?
[ -z "$failed_checks" ] && [ "$test_status" = 0 ] && [ "$summary_status" = 0 ]
