#!/usr/bin/env bash
# Prepares a machine for building and testing: the C libraries diesel links against, and a
# running PostgreSQL for the PostgreSQL half of the test suite. Idempotent; safe to run often.
set -euo pipefail

need_apt=()
pkg-config --exists libpq 2>/dev/null || need_apt+=(libpq-dev)
pkg-config --exists sqlite3 2>/dev/null || need_apt+=(libsqlite3-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]}"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq "${need_apt[@]}"
    fi
fi

# The notification tests deliver to a real SMTP server: Python's aiosmtpd, on loopback.
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    echo "setup: installing aiosmtpd (test SMTP server)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore aiosmtpd
fi

# The tests use TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    exit 0
fi
if ! command -v pg_ctlcluster >/dev/null; then
    echo "setup: PostgreSQL is not installed and not reachable at 127.0.0.1:5432;" >&2
    echo "       install it or set TEST_POSTGRES_URL to a reachable server." >&2
    exit 1
fi
echo "setup: starting PostgreSQL"
pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && exit 0
    sleep 1
done
echo "setup: PostgreSQL did not become ready within 30 s" >&2
exit 1
