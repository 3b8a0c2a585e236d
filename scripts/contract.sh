#!/usr/bin/env bash
# Contract gate: the real server, on a fresh SQLite file and on a fresh PostgreSQL database, with
# the demo data, fuzzed by schemathesis against the committed openapi.yaml for each role. Any
# finding (5xx, response not matching the contract, undocumented status or content type, accepted
# invalid input, …) fails the gate. Settings and every exclusion: scripts/schemathesis.toml.
#
#   scripts/contract.sh                  both backends, every role
#   scripts/contract.sh sqlite           one backend (sqlite | postgres)
#   CONTRACT_ROLES="admin customer_user" scripts/contract.sh postgres
#   CONTRACT_MAX_EXAMPLES=50 …           more cases per operation (default in schemathesis.toml)
#   CONTRACT_SEED=7 …                    another seed than schemathesis.toml's (new data, new findings)
#   CONTRACT_FUTURE_CLOCK=+365d …        offset of the last run (below); "off" skips it
#
# Each partner facade is fuzzed a second time with its standard's own document as the contract
# (FACADES below), so a client generated from that document meets no answer it does not know.
#
# After the backends, one more run: SQLite, the server's clock a year ahead (libfaketime), the
# operations whose rules read the clock (tags in FUTURE_TAGS). A date in an example that a rule
# compares with "now" fails there today, not on the morning it falls behind the clock.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

if [ $# -gt 0 ]; then backends=("$@"); else backends=(sqlite postgres); fi
future_clock="${CONTRACT_FUTURE_CLOCK:-+365d}"
FUTURE_TAGS=("planned works" "maintenance requests" "incidents")
faketime_lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
# A representative set by default (every role: customer_user partner customer_admin agent
# change_manager incident_manager admin); all seven do not fit the gate's time budget.
# admin reaches every operation; customer_user every tenant-scoped one (other roles: the
# isolation matrix in tests/tests/http/isolation.rs). Both backends, both roles: about 21 minutes on 2 cores
# (about 10,000 cases per backend; the coverage phase takes most of it).
read -r -a roles <<<"${CONTRACT_ROLES:-admin customer_user}"
# Partner facades fuzzed against the standard's own published document (tests/specs/, unmodified)
# after each role's run: name, schemathesis settings, document, root of the facade on this server.
# A document whose schemas use OpenAPI discriminators is given with them made explicit
# (tests/src/bin/pinned-spec.rs), since schemathesis validates responses as plain JSON Schema.
FACADES=(
    "tmf621-v4 scripts/schemathesis-tmf621-v4.toml tests/specs/TMF621-TroubleTicket-v4.0.0.swagger.json /tmf-api/troubleTicket/v4"
    "tmf621-v5 scripts/schemathesis-tmf621-v5.toml pinned:tests/specs/TMF621-Trouble_Ticket-v5.0.1.oas.yaml /tmf-api/troubleTicket/v5"
    "mef124 scripts/schemathesis-mef124.toml pinned:tests/specs/mef-sonata-troubleTicketManagement.api.yaml /mefApi/sonata/troubleTicket/v4"
)
logs="$root/contract-logs"
rm -rf "$logs" && mkdir -p "$logs"
pg_admin="${CONTRACT_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
password="demo-password-2026"
declare -A login=(
    [admin]=admin@demo.example
    [agent]=agent@demo.example
    [incident_manager]=incident.manager@demo.example
    [change_manager]=change.manager@demo.example
    [customer_admin]=alice@acme.example
    [customer_user]=bob@acme.example
)

# --- schemathesis, pinned, in a project-local virtualenv -----------------------------------------
venv="$root/.venv-contract"
requirements="$root/scripts/contract-requirements.txt"
if ! cmp -s "$requirements" "$venv/.installed" 2>/dev/null; then
    echo "contract: installing schemathesis into .venv-contract/"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/.installed"
fi

# Fresh Idempotency-Keys per call, as a client sends them (the reason is in the file).
export SCHEMATHESIS_HOOKS="$root/scripts/contract_hooks.py"

# --- the server binary ----------------------------------------------------------------------------
cargo build --locked --bin service-assurance --bin pinned-spec
target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

# --- clean-up, whatever happens -------------------------------------------------------------------
work="$(mktemp -d -t contract.XXXXXX)"
server_pid=""
databases=()
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
cleanup() {
    stop_server
    for db in "${databases[@]}"; do
        dropdb --if-exists --force -d "$pg_admin/postgres" "$db" 2>/dev/null ||
            psql -q "$pg_admin/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A copy, so that another build in the same target folder cannot swap it mid-run.
bin="$work/service-assurance"
cp "$target_dir/debug/service-assurance" "$bin"
cp "$target_dir/debug/pinned-spec" "$work/pinned-spec"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# POST /api/v1/auth/token with a JSON body; prints the access token.
token() {
    curl -sf "$base/api/v1/auth/token" -H 'content-type: application/json' -d "$1" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

summary=()
failed=0

# run_backend <sqlite|postgres> [clock offset]: with an offset, the server runs under libfaketime
# and only the FUTURE_TAGS operations are fuzzed.
run_backend() {
    local backend="$1" clock="${2:-}" url label="$1"
    local launch=() filters=()
    if [ -n "$clock" ]; then
        label="$backend$clock"
        launch=(env FAKETIME="$clock" FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$faketime_lib")
        local tag
        for tag in "${FUTURE_TAGS[@]}"; do filters+=(--include-tag "$tag"); done
    fi
    case "$backend" in
        sqlite) url="sqlite://$work/contract-$label.db" ;;
        postgres)
            local name="contract_$$"
            createdb -d "$pg_admin/postgres" "$name" 2>/dev/null ||
                psql -q "$pg_admin/postgres" -c "CREATE DATABASE $name" >/dev/null
            databases+=("$name")
            url="$pg_admin/$name"
            ;;
        *) echo "contract: unknown backend '$backend' (sqlite | postgres)" >&2; return 2 ;;
    esac
    local port
    port="$(free_port)"
    base="http://127.0.0.1:$port"
    export DATABASE_URL="$url" BIND_ADDR="127.0.0.1:$port" RATE_LIMIT_PER_SECOND=0 \
        JWT_SECRET="contract-gate-secret-$(date +%s)-0123456789abcdef" \
        WEBHOOK_ALLOW_PRIVATE=false REGISTRATIONS_PER_HOUR=1000000 RUST_LOG="${RUST_LOG:-warn}" HTTP_WORKERS=2
    "${launch[@]}" "$bin" demo >"$work/demo-$label.log" 2>&1
    "${launch[@]}" "$bin" serve >"$work/server-$label.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -sf "$base/health/live" >/dev/null 2>&1 && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/server-$label.log" >&2; return 1; }
        sleep 0.1
    done

    # Every token first: the fuzzer's wrong passwords would soon throttle sign-ins from here.
    declare -A tokens
    local role
    for role in "${!login[@]}"; do
        tokens[$role]="$(token "{\"grant_type\":\"password\",\"email\":\"${login[$role]}\",\"password\":\"$password\"}")"
    done
    local client
    client="$(curl -sf "$base/api/v1/api-clients" -H "authorization: Bearer ${tokens[admin]}" \
        -H 'content-type: application/json' \
        -d '{"name":"Contract gate partner","role":"customer_user","customer_number":"OCN-1001"}')"
    if [ -n "$clock" ]; then
        # The server's clock really moved: the token it issued was issued a long way ahead.
        local issued
        issued="$(python3 -c 'import base64, json, sys; p = sys.argv[1].split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["iat"])' "${tokens[admin]}")"
        if [ $((issued - $(date +%s))) -lt $((300 * 86400)) ]; then
            echo "contract: the server's clock did not move ($clock)" >&2
            return 1
        fi
    fi
    tokens[partner]="$(token "$(python3 -c 'import json, sys; c = json.loads(sys.argv[1]); print(json.dumps({"grant_type": "client_credentials", "client_id": c["client_id"], "client_secret": c["client_secret"]}))' "$client")")"

    # Least privileged first: an admin's fuzzing may disable accounts the others sign in with.
    for role in "${roles[@]}"; do
        [ -n "${tokens[$role]:-}" ] || { echo "contract: unknown role '$role'" >&2; return 2; }
        local log="$logs/$label-$role.log" started rc=0
        started=$(date +%s)
        echo "contract: $label / $role"
        CONTRACT_TOKEN="${tokens[$role]}" "$venv/bin/schemathesis" \
            --config-file scripts/schemathesis.toml run openapi.yaml --url "$base" --no-color \
            ${CONTRACT_MAX_EXAMPLES:+--max-examples "$CONTRACT_MAX_EXAMPLES"} \
            ${CONTRACT_SEED:+--seed "$CONTRACT_SEED"} "${filters[@]}" \
            >"$log" 2>&1 || rc=$?
        local seconds=$(($(date +%s) - started))
        local figures
        figures="$(python3 scripts/contract_summary.py "$log")"
        summary+=("$(printf '%-14s %-17s %s  %4ss  exit %s' "$label" "$role" "$figures" "$seconds" "$rc")")
        if [ "$rc" -ne 0 ]; then
            failed=1
            tail -n 60 "$log"
        fi
        # The facades, each judged by its standard's own document (not by openapi.yaml).
        if [ -z "$clock" ]; then
            local facade name config document root
            for facade in "${FACADES[@]}"; do
                read -r name config document root <<<"$facade"
                if [[ "$document" == pinned:* ]]; then
                    "$work/pinned-spec" "${document#pinned:}" "$work/$name.json"
                    document="$work/$name.json"
                fi
                log="$logs/$label-$role-$name.log"
                started=$(date +%s)
                rc=0
                echo "contract: $label / $role / $name (the official document)"
                CONTRACT_TOKEN="${tokens[$role]}" "$venv/bin/schemathesis" \
                    --config-file "$config" run "$document" --url "$base$root" --no-color \
                    ${CONTRACT_MAX_EXAMPLES:+--max-examples "$CONTRACT_MAX_EXAMPLES"} \
                    ${CONTRACT_SEED:+--seed "$CONTRACT_SEED"} \
                    >"$log" 2>&1 || rc=$?
                seconds=$(($(date +%s) - started))
                figures="$(python3 scripts/contract_summary.py "$log")"
                summary+=("$(printf '%-14s %-17s %s  %4ss  exit %s' "$label" "$role $name" "$figures" "$seconds" "$rc")")
                if [ "$rc" -ne 0 ]; then
                    failed=1
                    tail -n 60 "$log"
                fi
            done
        fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            echo "contract: the server died" >&2
            tail -50 "$work/server-$label.log" >&2
            failed=1
            break
        fi
    done
    if grep -q "panicked" "$work/server-$label.log"; then
        echo "contract: the server panicked:" >&2
        grep -A5 "panicked" "$work/server-$label.log" >&2
        failed=1
    fi
    stop_server
    cp "$work/server-$label.log" "$logs/" 2>/dev/null || true
}

for backend in "${backends[@]}"; do
    run_backend "$backend" || failed=1
done
if [ "$future_clock" != "off" ]; then
    [ -e "$faketime_lib" ] || { echo "contract: $faketime_lib missing: run scripts/setup.sh" >&2; exit 1; }
    run_backend sqlite "$future_clock" || failed=1
fi

echo
echo "contract gate summary (operations tested/selected, test cases, failures)"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
    echo "contract: FAILED (full schemathesis output and server logs in contract-logs/)" >&2
    exit 1
fi
echo "contract: passed"
