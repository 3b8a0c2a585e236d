#!/usr/bin/env bash
# The test suite with the clock a year ahead (`make test` runs it after the suite itself).
#
# A date written into a test, a fixture or a schema example and compared with "now" by a rule
# (a notice period, an expiry, an SLA target) is a bomb with a fuse: green today, red on some later
# morning. Running every test binary again with the process clock moved (libfaketime, Debian's,
# installed by scripts/setup.sh) makes such a date fail at once, not when its day comes. The
# contract gate does the same for the real server binary (scripts/contract.sh, last run).
#
#   scripts/future-clock.sh                     every test binary, both backends, clock +365 days
#   FUTURE_CLOCK_OFFSET=+730d scripts/future-clock.sh
set -euo pipefail
cd "$(dirname "$0")/.."

offset="${FUTURE_CLOCK_OFFSET:-+365d}"
lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
[ -e "$lib" ] || { echo "future-clock: $lib is missing: run scripts/setup.sh" >&2; exit 1; }
# Wall-clock time moves; monotonic clocks (timers, timeouts, rate limits) stay real.
faked=(env FAKETIME="$offset" FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$lib")

# The move must have taken: a process under it sees a clock at least 300 days ahead.
real_now=$(date +%s)
moved_now=$("${faked[@]}" date +%s)
if [ $((moved_now - real_now)) -lt $((300 * 86400)) ]; then
    echo "future-clock: libfaketime did not move the clock (offset $offset)" >&2
    exit 1
fi

# Built with the real clock (cargo judges freshness by file times); only the runs are moved.
mapfile -t binaries < <(cargo test --workspace --locked --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(m["executable"])')
[ ${#binaries[@]} -gt 0 ] || { echo "future-clock: no test binaries were built" >&2; exit 1; }

echo "future-clock: ${#binaries[@]} test binaries with the clock at $("${faked[@]}" date -u +%FT%TZ)"
failed=0
for bin in "${binaries[@]}"; do
    # -q: one dot per test, so CI's count of named backend tests stays that of the real-clock run.
    "${faked[@]}" "$bin" -q || { echo "future-clock: FAILED: $bin" >&2; failed=1; }
done
[ "$failed" -eq 0 ] || exit 1
echo "future-clock: passed"
