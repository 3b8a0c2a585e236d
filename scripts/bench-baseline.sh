#!/usr/bin/env bash
# Builds the release binary of an earlier commit (default: the one before issue 17's changes) for
# `make bench` to measure beside this one, and prints its path. Built in a worktree under
# target/ that shares this checkout's target directory (the dependencies compile once); run it
# before building this commit's release binary, which the build overwrites.
set -euo pipefail
rev="${1:-b5411d7}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/target/bench-baseline/$rev"
if [ ! -x "$out/service-assurance" ]; then
    tree="$root/target/bench-baseline/tree-$rev"
    [ -d "$tree" ] || git -C "$root" worktree add -f --detach "$tree" "$rev" >&2
    (cd "$tree" && CARGO_TARGET_DIR="$root/target" cargo build --release --locked --bin service-assurance >&2)
    mkdir -p "$out"
    cp "$root/target/release/service-assurance" "$out/"
fi
echo "$out/service-assurance"
