#!/usr/bin/env bash
# Prepares a machine for building and testing: the C libraries diesel links against, and a
# running PostgreSQL for the PostgreSQL half of the test suite. Idempotent; safe to run often.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
pkg-config --exists libpq 2>/dev/null || need_apt+=(libpq-dev)
pkg-config --exists sqlite3 2>/dev/null || need_apt+=(libsqlite3-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
# libfaketime (Debian bookworm's), for the suite run with the clock moved (scripts/future-clock.sh).
[ -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || need_apt+=(libfaketime=0.9.10-2.1)
# Debian's chromium, for the Swagger UI browser test (scripts/client-gate.sh). Debian ships only its
# current security release of chromium, so the package is not pinned; the driver is
# (playwright-core in tests/clients/package-lock.json).
command -v chromium >/dev/null || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]}"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq "${need_apt[@]}"
    fi
fi

# Python packages of the tests (scripts/test-requirements.txt, pinned): the SMTP sink of the
# notification tests (aiosmtpd), the YAML 1.1 loader of the contract test (PyYAML), the
# iCalendar library that reads the calendar feeds (icalendar) and the S3-compatible server of the
# attachment tests (moto[server]).
if ! python3 - scripts/test-requirements.txt <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, pinned = line.split("==")
        name = name.split("[")[0]  # moto[server]: the extra's packages come with it
        assert version(name) == pinned, name
PY
then
    echo "setup: installing the tests' Python packages (scripts/test-requirements.txt)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        -r scripts/test-requirements.txt
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
