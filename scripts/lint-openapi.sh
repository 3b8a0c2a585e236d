#!/usr/bin/env bash
# Lints openapi.yaml with Redocly CLI (pinned in scripts/openapi-lint/package-lock.json, installed
# here on first use) and checks that every request and success body shows an example.
set -euo pipefail
cd "$(dirname "$0")/.."
lint=scripts/openapi-lint
if [ ! -x "$lint/node_modules/.bin/redocly" ]; then
    echo "lint-openapi: installing Redocly CLI"
    (cd "$lint" && npm ci --silent --no-audit --no-fund)
fi
if ! python3 -c 'import yaml' 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore pyyaml
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
"$lint/node_modules/.bin/redocly" lint openapi.yaml --config "$lint/redocly.yaml" --format=stylish \
    2> >(grep -v '[║╔╚]' >&2)
python3 "$lint/examples.py" openapi.yaml
