#!/usr/bin/env bash
# Generated-client gate (part of `make test`): clients generated from the committed openapi.yaml,
# as a frontend or partner team would generate them, must type-check strictly and run the whole
# first-session flow against the real server.
#
#   Python:     openapi-python-client → mypy --strict tests/clients/flow.py
#   TypeScript: openapi-typescript + openapi-fetch → tsc --strict tests/clients/flow.ts
#
# Both flows then run against the server on a fresh SQLite file with the demo data, and so does a
# person's first visit to Swagger UI, in headless Debian chromium (tests/clients/browser.mjs). Tool versions
# are pinned (tests/clients/requirements.txt, tests/clients/package-lock.json) and installed here,
# into .venv-clients/ and tests/clients/node_modules/. The clients are generated into a temporary
# folder and never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

# --- the pinned tools ------------------------------------------------------------------------------
venv="$root/.venv-clients"
requirements="$root/tests/clients/requirements.txt"
if ! cmp -s "$requirements" "$venv/.installed" 2>/dev/null; then
    echo "client-gate: installing openapi-python-client and mypy into .venv-clients/"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/.installed"
fi
if ! cmp -s "$root/tests/clients/package-lock.json" "$root/tests/clients/node_modules/.package-lock.json" 2>/dev/null; then
    echo "client-gate: installing openapi-typescript, openapi-fetch and typescript (npm ci)"
    (cd "$root/tests/clients" && npm ci --silent --no-audit --no-fund)
fi

work="$(mktemp -d -t client-gate.XXXXXX)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- generate and type-check ---------------------------------------------------------------------
echo "client-gate: generating the Python client"
mkdir -p "$work/py"
"$venv/bin/openapi-python-client" generate --path "$root/openapi.yaml" \
    --output-path "$work/py/sa_client" --meta none >"$work/py-generate.log" 2>&1 ||
    { cat "$work/py-generate.log" >&2; exit 1; }
cp "$root/tests/clients/flow.py" "$work/py/"
echo "client-gate: mypy --strict"
(cd "$work/py" && "$venv/bin/mypy" --strict --cache-dir "$work/mypy-cache" flow.py)

echo "client-gate: generating the TypeScript types"
mkdir -p "$work/ts"
"$root/tests/clients/node_modules/.bin/openapi-typescript" "$root/openapi.yaml" \
    -o "$work/ts/schema.d.ts" >"$work/ts-generate.log" 2>&1 ||
    { cat "$work/ts-generate.log" >&2; exit 1; }
cp "$root/tests/clients/flow.ts" "$root/tests/clients/tsconfig.json" "$work/ts/"
ln -s "$root/tests/clients/node_modules" "$work/ts/node_modules"
echo "client-gate: tsc --strict"
(cd "$work/ts" && ./node_modules/.bin/tsc -p .)

# --- run both against the real server -------------------------------------------------------------
cargo build --locked --quiet --bin service-assurance
target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
bin="$work/service-assurance"
cp "$target_dir/debug/service-assurance" "$bin"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export SA_URL="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/clients.db" BIND_ADDR="127.0.0.1:$port" RATE_LIMIT_PER_SECOND=0 \
    JWT_SECRET="client-gate-secret-$(date +%s)-0123456789abcdef" WEBHOOK_ALLOW_PRIVATE=false \
    RUST_LOG="${RUST_LOG:-warn}" HTTP_WORKERS=2 \
    ATTACHMENT_STORE="file://$work/attachments" ATTACHMENT_SPOOL_DIR="$work/spool"
"$bin" demo >"$work/demo.log" 2>&1
"$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -sf "$SA_URL/health/ready" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
done

echo "client-gate: running the Python flow"
(cd "$work/py" && "$venv/bin/python" flow.py)
echo "client-gate: running the TypeScript flow"
(cd "$work/ts" && node out/flow.js)
echo "client-gate: Swagger UI in headless chromium"
SA_PORT="$port" node "$root/tests/clients/browser.mjs"
echo "client-gate: both generated clients type-check and run the whole flow; Swagger UI signs in and runs it"

