#!/usr/bin/env bash
# Installs the HTTP load generator used by `make bench` (wrk, from Debian's packages).
set -euo pipefail
if ! command -v wrk >/dev/null; then
    echo "bench: installing wrk"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && apt-get install -y -qq wrk
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq wrk
    fi
fi
