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

# Something already listening (this machine's services, or the Docker Compose ones): use it.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5432; then
  fresh_pg=0
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt_install postgresql
    fresh_pg=1
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if [ "$fresh_pg" = 1 ]; then
    # A cluster this script just installed serves local development only: trust loopback
    # connections, as the machine image does (Debian's default asks for a password).
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    log "trusting loopback connections in $hba"
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  if port_open 5432; then
    # The package's own service started it (a machine with systemd): read the new rules.
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  else
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 30); do port_open 5432 && break; sleep 1; done
  fi
fi
if command -v psql >/dev/null 2>&1 && ! psql -h 127.0.0.1 -U postgres -Atqc 'select 1' >/dev/null 2>&1; then
  log "PostgreSQL answers but does not accept the postgres user over TCP without a password"
  log "add 'host all all 127.0.0.1/32 trust' to pg_hba.conf (see README, On your own machine)"
  exit 1
fi

if ! port_open 6379; then
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
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
