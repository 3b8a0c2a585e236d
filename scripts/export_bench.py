#!/usr/bin/env python3
"""The incident export under load (issue 23): `GET /api/v1/incidents/export` of every ticket, as
the platform admin asks for it, on the production-like data of `make bench` (5,000 companies, a skewed
volume) at 1,000,000 tickets, on each backend; then the busiest company's own export as its
user. Reports rows/s (first byte asked to last byte read) and the server's RSS: before, at its
peak while streaming, and its growth. The export is streamed a keyset page at a time, so the
growth must stay flat whatever the number of rows.

Every row is parsed with Python's csv module and counted against the database's own count; the
load generator shares the machine.

Run alone: python3 scripts/export_bench.py (after `cargo build --release`).
Environment: EXPORT_BENCH_TICKETS (default 1000000), BENCH_BACKENDS (default "sqlite,postgres").
"""

import csv
import io
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchdata  # noqa: E402
from upload_bench import Sampler, rss_mb  # noqa: E402

TICKETS = int(os.environ.get("EXPORT_BENCH_TICKETS", "1000000"))
BACKENDS = [b for b in os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(",") if b]


def stream_rows(base, token, path, accept="text/csv"):
    """Reads an export to its end; returns (rows, header, seconds to the first byte, seconds)."""
    req = urllib.request.Request(base + path)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Accept", accept)
    started = time.monotonic()
    with urllib.request.urlopen(req, timeout=600) as resp:
        text = io.TextIOWrapper(resp, encoding="utf-8", newline="")
        reader = csv.reader(text)
        header = next(reader)
        first = time.monotonic() - started
        rows = sum(1 for _ in reader)
    return rows, header, first, time.monotonic() - started


def run(backend, binary, port):
    workdir = tempfile.mkdtemp(prefix="sa-export-bench-")
    try:
        url, target = benchdata.fresh_database(backend, workdir, binary, port)
        seeding = time.monotonic()
        if backend == "sqlite":
            benchdata.seed_sqlite(target, TICKETS)
        else:
            benchdata.seed_postgres(TICKETS)
        seeded = time.monotonic() - seeding
        data = benchdata.Data(backend, target)
        (busiest, busiest_count), = data.rows(
            "SELECT customer_number, COUNT(*) FROM incidents GROUP BY customer_number "
            "ORDER BY COUNT(*) DESC LIMIT 1")
        users = data.users()
        uid = next(u for u, ocn in users.values() if ocn == busiest)
        proc, base = benchdata.start_server(binary, url, port)
        try:
            desk = benchdata.token(base, *benchdata.ADMIN)
            benchdata.request(base, "GET", "/health/ready")
            time.sleep(1.0)
            idle = max(rss_mb(proc.pid) for _ in range(5))
            sampler = Sampler(proc.pid)
            sampler.start()
            rows, header, first, took = stream_rows(base, desk, "/api/v1/incidents/export")
            sampler.stop = True
            sampler.join()
            company_rows, _, company_first, company_took = stream_rows(
                base, benchdata.mint(uid, busiest), "/api/v1/incidents/export")
            return {
                "backend": backend, "tickets": TICKETS, "seed_s": seeded,
                "rows": rows, "columns": len(header), "first_byte_s": first, "wall_s": took,
                "rows_per_s": rows / took, "idle_mb": idle, "peak_mb": sampler.peak,
                "growth_mb": sampler.peak - idle,
                "company": busiest, "company_expected": int(busiest_count), "company_rows": company_rows,
                "company_first_byte_s": company_first, "company_wall_s": company_took,
            }
        finally:
            proc.terminate()
            proc.wait()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def section(binary):
    results = []
    for i, backend in enumerate(BACKENDS):
        print(f"== export, {backend}, {TICKETS} tickets", flush=True)
        r = run(backend, binary, 18980 + i)
        print("  " + json.dumps(r), flush=True)
        results.append(r)
    lines = ["## Incident export: every ticket, streamed", "",
             f"`GET /api/v1/incidents/export` (CSV) of all {TICKETS:,} tickets as the platform admin, then the busiest "
             "company's own export as its user, each read to the end and parsed with Python's csv module. "
             "Rows/s from the request to the last byte; RSS is the server's, sampled every 10 ms during the "
             "admin's export; idle is after start-up and one request.", "",
             "| backend | rows (expected) | rows/s | first byte s | wall s | idle RSS MiB | peak RSS MiB "
             "| growth MiB | busiest company: rows (expected), wall s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['backend']} | {r['rows']:,} ({r['tickets']:,}) | {r['rows_per_s']:,.0f} "
                     f"| {r['first_byte_s']:.2f} | {r['wall_s']:.1f} | {r['idle_mb']:.0f} | {r['peak_mb']:.0f} "
                     f"| {r['growth_mb']:.0f} | {r['company_rows']:,} ({r['company_expected']:,}), "
                     f"{r['company_wall_s']:.2f} |")
    return lines + [""]


if __name__ == "__main__":
    print("\n".join(section(benchdata.BIN)))
