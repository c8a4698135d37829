#!/usr/bin/env bash
# Makes sure what the product and its tests need on this machine is present and running:
# pnpm, PostgreSQL, Redis and Chromium. Installs with apt only what is missing. Idempotent.
set -euo pipefail

log() { printf '[ensure] %s\n' "$*"; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v pnpm >/dev/null 2>&1; then
  log "installing pnpm 10.34.9"
  npm install -g pnpm@10.34.9 >/dev/null 2>&1
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt_install postgresql
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  log "starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  # Local development trusts loopback connections, as the machine image does.
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! psql -h 127.0.0.1 -U postgres -Atqc 'select 1' >/dev/null 2>&1; then
  log "PostgreSQL answers but does not accept the postgres user over TCP without a password"
  log "add 'host all all 127.0.0.1/32 trust' to pg_hba.conf (see README, On your own machine)"
  exit 1
fi

if ! command -v redis-server >/dev/null 2>&1; then
  apt_install redis-server
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi

if [ "${ROX365_SKIP_BROWSER:-0}" != 1 ] && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi

log "pnpm $(pnpm --version), PostgreSQL and Redis up$([ -x /usr/bin/chromium ] && echo ', Chromium present')"
