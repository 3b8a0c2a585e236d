#!/usr/bin/env python3
"""HTTP benchmark of the release binary on SQLite and PostgreSQL (`make bench`).

Data that looks like production: 5,000 companies, each with a service and a user, and the
tickets spread over them with a skewed volume (company k's share falls like a cube law: the
largest holds about 6 % of all tickets, most hold a handful). For each backend and data scale it
seeds a fresh database (bulk SQL), starts the server, and measures with wrk (64 connections, the
load generator on the same machine) in one run:

- GET /health/live (the ceiling);
- GET /health/ready: one `SELECT 1` through the same path as a read (on PostgreSQL: the hop to the
  blocking pool and one round trip), the floor under every PostgreSQL read;
- GET /api/v1/incidents/{ref}: 2,000 tickets drawn at random, each read by a user of its own
  company (so the read mix follows the volume);
- GET /api/v1/incidents, first page, by users of companies drawn the same way;
- GET /api/v1/incidents, a deep cursor page of the largest company;
- POST /api/v1/incidents, raised by users of 500 companies drawn the same way, on their service.

Tokens are signed here with the server's secret (signing in 7,000 users would only measure
argon2). It records requests/s, p50/p99 latency, ratios to the ceiling, the server's peak RSS and
the list query's plan. Then the major-incident storm (scripts/storm.py) runs on each backend, and
the hand-written reading of the figures (scripts/bench-notes.md) is appended.

With BENCH_BASELINE (a release binary of an earlier commit; `make bench` builds the commit before
issue 17) every figure is measured for it too, in the same run, and BENCHMARKS.md shows both.

Environment: BENCH_SCALES (default "10000,1000000"), BENCH_SECONDS (default 8),
BENCH_CONNECTIONS (default 64), BENCH_BACKENDS (default "sqlite,postgres"), BENCH_BASELINE,
BENCH_BASELINE_LABEL, BENCH_STORM (default 1), BENCH_UPLOADS (default 1: 16 concurrent 20 MiB
uploads, scripts/upload_bench.py), BENCH_EXPORT (default 1: the incident export of 1,000,000
tickets on each backend, scripts/export_bench.py), BENCH_REPORT (default 1: the SLA report on
1,000,000 tickets over a year on each backend, scripts/report_bench.py).
"""

import calendar
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time

from benchdata import (BASE_TICKET, BIN, COMPANIES, PG_DB, ROOT, Data, fresh_database, mint, psql,
                       seed_postgres, seed_sqlite, start_server)

BASELINE = os.environ.get("BENCH_BASELINE", "")
BASELINE_LABEL = os.environ.get("BENCH_BASELINE_LABEL", "baseline")
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
SCALES = [int(s) for s in os.environ.get("BENCH_SCALES", "10000,1000000").split(",")]
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(",")
STORM = os.environ.get("BENCH_STORM", "1") != "0"
UPLOADS = os.environ.get("BENCH_UPLOADS", "1") != "0"
EXPORTS = os.environ.get("BENCH_EXPORT", "1") != "0"
REPORTS = os.environ.get("BENCH_REPORT", "1") != "0"


LUA_PICK = """
local reqs = {{
{entries}
}}
math.randomseed(os.time() + tonumber(tostring({{}}):sub(8), 16))
request = function()
  local r = reqs[math.random(#reqs)]
  return wrk.format("{method}", r[1], {{["Authorization"] = "Bearer " .. r[2], ["Content-Type"] = "application/json"}}, r[3])
end
"""


def lua_pick(method, entries):
    """A wrk script sending one of `entries` (path, token, body or None) at random each time."""
    def q(s):
        return json.dumps(s)
    lines = ",\n".join("{%s, %s, %s}" % (q(p), q(t), q(b) if b is not None else "nil") for p, t, b in entries)
    return LUA_PICK.format(entries=lines, method=method)


def wrk(base, lua):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
        script = f.name
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-s", script, base],
                         capture_output=True, text=True).stdout
    os.unlink(script)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": pct(50), "p99": pct(99), "non2xx": int(errors.group(1)) if errors else 0}


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cursor_of(logged_at, ticket_id):
    """The list cursor after a ticket: hex(micros since the epoch).hex(row id)."""
    at = time.strptime(str(logged_at)[:19], "%Y-%m-%d %H:%M:%S")
    return f"{calendar.timegm(at) * 1_000_000:x}.{int(ticket_id):x}"


def plan(data, largest, at, ticket_id):
    where = (f"customer_number = '{largest}' AND logged_at <= '{at}' AND (logged_at < '{at}' OR id < {ticket_id})"
             " ORDER BY logged_at DESC, id DESC LIMIT 26")
    if data.backend == "sqlite":
        return "\n".join(r[3] for r in data.rows(f"EXPLAIN QUERY PLAN SELECT * FROM incidents WHERE {where}"))
    return psql(PG_DB, f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT * FROM incidents WHERE {where}")


def draws(data, users):
    """Requests drawn like production: tickets at random (so companies by volume)."""
    sample = data.rows("SELECT ticket_number, customer_number FROM incidents WHERE ticket_number > "
                       f"{BASE_TICKET} ORDER BY random() LIMIT 2000")
    by_company = {ocn: mint(uid, ocn) for email, (uid, ocn) in users.items() if email.startswith("u")}
    lookups = [(f"/api/v1/incidents/1-{int(t):010d}", by_company[c], None) for t, c in sample]
    lists = [("/api/v1/incidents?limit=25", by_company[c], None) for _, c in sample[:500]]
    raises = [("/api/v1/incidents", by_company[c], json.dumps({
        "service_id": c.replace("OCN-", "SVC-"), "summary": "bench", "description": "bench", "impact": "degraded",
        "reporter": {"name": "B", "email": "b@x.example", "phone": "+441234567"}})) for _, c in sample[:500]]
    largest, count = data.rows("SELECT customer_number, count(*) FROM incidents GROUP BY customer_number "
                               "ORDER BY count(*) DESC LIMIT 1")[0]
    at, ticket_id = data.rows(f"SELECT logged_at, id FROM incidents WHERE customer_number = '{largest}' "
                              f"ORDER BY logged_at DESC, id DESC LIMIT 1 OFFSET {int(count) * 9 // 10}")[0]
    deep = [(f"/api/v1/incidents?limit=25&cursor={cursor_of(at, ticket_id)}", by_company[largest], None)]
    return lookups, lists, deep, raises, (largest, int(count), at, ticket_id)


def run(binary, backend, n, port):
    workdir = tempfile.mkdtemp(prefix="sa-bench-")
    try:
        url, target = fresh_database(backend, workdir, binary, port)
        (seed_sqlite(target, n) if backend == "sqlite" else seed_postgres(n))
        data = Data(backend, target)
        lookups, lists, deep, raises, (largest, count, at, ticket_id) = draws(data, data.users())
        proc, base = start_server(binary, url, port)
        try:
            live = [("/health/live", "", None)]
            results = {
                "health/live": wrk(base, lua_pick("GET", live)),
                "health/ready (SELECT 1)": wrk(base, lua_pick("GET", [("/health/ready", "", None)])),
                "GET incident": wrk(base, lua_pick("GET", lookups)),
                "GET list (first page)": wrk(base, lua_pick("GET", lists)),
                "GET list (deep cursor)": wrk(base, lua_pick("GET", deep)),
                "POST incident": wrk(base, lua_pick("POST", raises)),
            }
            rss = peak_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait()
        return {"results": results, "rss_mb": rss, "plan": plan(data, largest, at, ticket_id),
                "largest": (largest, count)}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except Exception:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"


TARGETS = {("sqlite", "GET incident"): 0.25, ("postgres", "GET incident"): 0.12,
           ("sqlite", "POST incident"): 0.04, ("postgres", "POST incident"): 0.03}


def main():
    binaries = [("after", BIN)] + ([(BASELINE_LABEL, BASELINE)] if BASELINE else [])
    for _, b in binaries:
        if not os.path.exists(b):
            raise SystemExit(f"missing binary {b}: build it first (make bench does)")
    lines = ["# Benchmarks", "",
             f"Generated by `make bench` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
             f"Machine: {machine()}. Load generator (wrk, 2 threads, {CONNECTIONS} connections, {SECONDS} s "
             "per endpoint) and server (2 HTTP workers) share the machine. Ratios are to `/health/live` "
             "measured in the same run, for the same binary.", "",
             f"Data: {COMPANIES:,} companies, each with a service and a user; tickets spread over them with a "
             "skewed volume (the largest company holds about 6 % of them, most a handful). Lookups read 2,000 "
             "tickets drawn at random, each as a user of its own company; first pages and raises are made by "
             "users of companies drawn the same way; the deep page is the largest company's.", ""]
    if BASELINE:
        lines += [f"`before` is {BASELINE_LABEL}, `after` is this commit: both measured in this run, on the "
                  "same data, one after the other.", ""]
    port = 18800
    for backend in BACKENDS:
        for n in SCALES:
            measured = {}
            for label, binary in reversed(binaries):
                port += 1
                print(f"== {backend}, {n} incidents, {label}", flush=True)
                measured[label] = run(binary, backend, n, port)
            after = measured["after"]
            before = measured.get(BASELINE_LABEL)
            largest, count = after["largest"]
            lines += [f"## {backend}, {n:,} incidents", "",
                      f"Largest company: {largest} with {count:,} tickets.", ""]
            if before:
                lines += ["| endpoint | before req/s | after req/s | before × ceiling | after × ceiling | target "
                          "| before p99 ms | after p99 ms | after p50 ms | non-2xx |",
                          "|---|---|---|---|---|---|---|---|---|---|"]
            else:
                lines += ["| endpoint | req/s | × ceiling | target | p50 ms | p99 ms | non-2xx |",
                          "|---|---|---|---|---|---|---|"]
            for name, m in after["results"].items():
                ratio = m["rps"] / after["results"]["health/live"]["rps"]
                target = TARGETS.get((backend, name))
                tgt = f"≥ {target}" if target else ""
                if before:
                    b = before["results"][name]
                    bratio = b["rps"] / before["results"]["health/live"]["rps"]
                    lines.append(f"| {name} | {b['rps']:.0f} | {m['rps']:.0f} | {bratio:.3f} | {ratio:.3f} | {tgt} "
                                 f"| {b['p99']:.2f} | {m['p99']:.2f} | {m['p50']:.2f} | {b['non2xx']} / {m['non2xx']} |")
                else:
                    lines.append(f"| {name} | {m['rps']:.0f} | {ratio:.3f} | {tgt} | {m['p50']:.2f} | {m['p99']:.2f} "
                                 f"| {m['non2xx']} |")
                print(f"  {name:<24} {m['rps']:>9.0f} req/s  p50 {m['p50']:.2f} ms  p99 {m['p99']:.2f} ms  "
                      f"x{ratio:.3f}  non2xx {m['non2xx']}", flush=True)
            rss = f"{after['rss_mb']:.0f} MiB" + (f" (before: {before['rss_mb']:.0f} MiB)" if before else "")
            lines += ["", f"Peak RSS of the server: {rss}.", "",
                      "Plan of the deep-page list query:", "", "```", after["plan"].strip(), "```", ""]
    if STORM:
        import storm
        lines += storm.section(binaries, BACKENDS)
    if UPLOADS:
        import upload_bench
        lines += upload_bench.section(BIN)
    if EXPORTS:
        import export_bench
        lines += export_bench.section(BIN)
    if REPORTS:
        import report_bench
        lines += report_bench.section(BIN)
    notes = os.path.join(ROOT, "scripts", "bench-notes.md")
    if os.path.exists(notes):
        with open(notes) as f:
            lines += [f.read()]
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(lines))
    print("wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
