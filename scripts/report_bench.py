#!/usr/bin/env python3
"""The SLA report under production-like data (issue 23): `GET /api/v1/reports/sla` on the data of
`make bench` (5,000 companies, a skewed volume) at 1,000,000 tickets spread over a year, on each
backend. The seeded tickets are reshaped to look like a year of work: one every 31 seconds over
the last 360 days; impacts 10 % service-down (P1), 30 % degraded (P2), 40 % intermittent (P3),
20 % no impact (P4); acknowledged after 1 to 97 minutes; resolved after 10 minutes to 20 hours
(the last three days' tickets still open); a tenth of them cancelled; resolved tickets older than five days closed (as the auto-close job
leaves them).

Measured from outside, each request read to its end, sequentially: the busiest company's year
(as its user) by service and by month, and every company's last whole month (as the platform
admin) by service and by priority. Reports p50, p99 and max latency and the server's RSS.

Run alone: python3 scripts/report_bench.py (after `cargo build --release`).
Environment: REPORT_BENCH_TICKETS (default 1000000), REPORT_BENCH_RUNS (default 100 per case),
BENCH_BACKENDS (default "sqlite,postgres").
"""

import datetime
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchdata  # noqa: E402
from upload_bench import rss_mb  # noqa: E402

TICKETS = int(os.environ.get("REPORT_BENCH_TICKETS", "1000000"))
RUNS = int(os.environ.get("REPORT_BENCH_RUNS", "100"))
BACKENDS = [b for b in os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(",") if b]
SPACING = 31  # seconds between two tickets: 1,000,000 tickets over ~359 days


def reshape_sql(backend, start):
    """One UPDATE turning the seeded tickets into a year of work from `start` (UTC, naive)."""
    s = start.strftime("%Y-%m-%d %H:%M:%S")
    if backend == "sqlite":
        def at(expr):
            return f"datetime('{s}', '+' || ({expr}) || ' seconds')"
    else:
        def at(expr):
            return f"(TIMESTAMP '{s}' + ({expr}) * INTERVAL '1 second')"
    n = f"(ticket_number - {benchdata.BASE_TICKET})"
    logged = f"{n} * {SPACING}"
    # Impact by n % 10; targets (s): P1 900/14400, P2 1800/28800, P3 7200/86400, P4 28800/259200.
    impact = f"CASE WHEN {n} % 10 = 0 THEN 'service_down' WHEN {n} % 10 < 4 THEN 'degraded' " \
             f"WHEN {n} % 10 < 8 THEN 'intermittent' ELSE 'no_impact' END"
    priority = f"CASE WHEN {n} % 10 = 0 THEN 'P1' WHEN {n} % 10 < 4 THEN 'P2' " \
               f"WHEN {n} % 10 < 8 THEN 'P3' ELSE 'P4' END"
    response = f"CASE WHEN {n} % 10 = 0 THEN 900 WHEN {n} % 10 < 4 THEN 1800 " \
               f"WHEN {n} % 10 < 8 THEN 7200 ELSE 28800 END"
    restore = f"CASE WHEN {n} % 10 = 0 THEN 14400 WHEN {n} % 10 < 4 THEN 28800 " \
              f"WHEN {n} % 10 < 8 THEN 86400 ELSE 259200 END"
    acked = f"{logged} + 60 * (1 + {n} % 97)"
    fixed = f"{logged} + 60 * (10 + ({n} * 7) % 1190)"
    recent = f"{logged} > {TICKETS * SPACING - 3 * 86400}"
    # Resolved tickets close themselves after five days (AUTO_CLOSE_AFTER_DAYS): older ones are
    # closed, as the server's job would have left them.
    fresh = f"{fixed} > {TICKETS * SPACING - 5 * 86400}"
    status = f"CASE WHEN {n} % 10 = 9 AND {n} % 3 = 0 THEN 'cancelled' WHEN {recent} THEN 'in_progress' " \
             f"WHEN {fresh} THEN 'resolved' ELSE 'closed' END"
    open_ = f"({recent} AND NOT ({n} % 10 = 9 AND {n} % 3 = 0))"
    return f"""
        UPDATE incidents SET
            logged_at = {at(logged)}, updated_at = {at(logged)},
            impact = {impact}, priority = {priority}, status = {status},
            responded_at = {at(acked)},
            response_due_at = {at(f"{logged} + {response}")},
            restore_due_at = {at(f"{logged} + {restore}")},
            at_risk_from = {at(f"{logged} + {restore} * 3 / 4")},
            resolved_at = CASE WHEN {open_} OR ({n} % 10 = 9 AND {n} % 3 = 0) THEN NULL ELSE {at(fixed)} END,
            sla_stopped_at = CASE WHEN {open_} THEN NULL ELSE {at(fixed)} END,
            sla_halted_since = CASE WHEN {open_} THEN NULL ELSE {at(fixed)} END,
            closed_at = CASE WHEN {open_} THEN NULL WHEN {n} % 10 = 9 AND {n} % 3 = 0 THEN {at(f"{logged} + 300")}
                WHEN {fresh} THEN NULL ELSE {at(f"{fixed} + 5 * 86400")} END;
    """


def reshape(backend, target, start):
    sql = reshape_sql(backend, start)
    if backend == "sqlite":
        import sqlite3
        con = sqlite3.connect(target)
        con.executescript(sql + "ANALYZE;")
        con.close()
    else:
        # VACUUM as autovacuum would after an UPDATE of every row: it drops the old versions and
        # marks the pages all-visible, which index-only scans rely on.
        benchdata.psql(benchdata.PG_DB, sql)
        benchdata.psql(benchdata.PG_DB, "VACUUM ANALYZE incidents;")


def timed(base, token, path, accept="application/json"):
    req = urllib.request.Request(base + path)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Accept", accept)
    started = time.monotonic()
    with urllib.request.urlopen(req, timeout=120) as resp:
        body = resp.read()
    return time.monotonic() - started, body


def stats(samples):
    samples = sorted(samples)
    rank = lambda p: samples[max(0, -(-len(samples) * p // 100) - 1)]  # noqa: E731
    return {"p50_ms": rank(50) * 1000, "p99_ms": rank(99) * 1000, "max_ms": samples[-1] * 1000}


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def explain(data, backend, company, month_from, month_to):
    """The plans of the report's reads: a company's tickets raised in a period (counted by
    group), and the service-down tickets overlapping a month (for the outages), a company's
    and every company's."""
    f, t = month_from.strftime("%Y-%m-%d %H:%M:%S"), month_to.strftime("%Y-%m-%d %H:%M:%S")
    queries = {
        "a company's tickets in a period": (
            f"SELECT service_id AS grp, COUNT(*), SUM(CASE WHEN status <> 'cancelled' AND sla_stopped_at <= restore_due_at "
            f"THEN 1 ELSE 0 END) FROM incidents WHERE logged_at >= '{f}' AND logged_at < '{t}' "
            f"AND customer_number = '{company}' GROUP BY grp"),
        "a company's service-down tickets overlapping a period": (
            f"SELECT service_id, logged_at, resolved_at, sla_pauses FROM incidents WHERE impact = 'service_down' "
            f"AND status <> 'cancelled' AND resolved_at > '{f}' AND logged_at < '{t}' AND customer_number = '{company}' "
            f"UNION ALL SELECT service_id, logged_at, resolved_at, sla_pauses FROM incidents WHERE impact = 'service_down' "
            f"AND status <> 'cancelled' AND resolved_at IS NULL AND logged_at < '{t}' AND customer_number = '{company}' "
            f"ORDER BY service_id, logged_at"),
        "every company's service-down tickets overlapping a month": (
            f"SELECT service_id, logged_at, resolved_at, sla_pauses FROM incidents WHERE impact = 'service_down' "
            f"AND status <> 'cancelled' AND resolved_at > '{f}' AND logged_at < '{t}' UNION ALL "
            f"SELECT service_id, logged_at, resolved_at, sla_pauses FROM incidents WHERE impact = 'service_down' "
            f"AND status <> 'cancelled' AND resolved_at IS NULL AND logged_at < '{t}' ORDER BY service_id, logged_at"),
    }
    prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN "
    out = {}
    for name, sql in queries.items():
        rows = data.rows(prefix + sql)
        out[name] = "\n".join(str(r[-1]) if backend == "sqlite" else "|".join(r) for r in rows)
    return out


def run(backend, binary, port):
    workdir = tempfile.mkdtemp(prefix="sa-report-bench-")
    try:
        url, target = benchdata.fresh_database(backend, workdir, binary, port)
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
        start = now - datetime.timedelta(seconds=TICKETS * SPACING)
        seeding = time.monotonic()
        if backend == "sqlite":
            benchdata.seed_sqlite(target, TICKETS)
        else:
            benchdata.seed_postgres(TICKETS)
        reshape(backend, target, start)
        seeded = time.monotonic() - seeding
        data = benchdata.Data(backend, target)
        (busiest, busiest_count), = data.rows(
            "SELECT customer_number, COUNT(*) FROM incidents GROUP BY customer_number "
            "ORDER BY COUNT(*) DESC LIMIT 1")
        users = data.users()
        uid = next(u for u, ocn in users.values() if ocn == busiest)
        # The last whole calendar month (UTC here; the server's calendar is Europe/London).
        first_this = now.replace(day=1, hour=0, minute=0, second=0)
        first_last = (first_this - datetime.timedelta(days=1)).replace(day=1)
        year_from, year_to = start, now
        proc, base = benchdata.start_server(binary, url, port)
        try:
            desk = benchdata.token(base, *benchdata.ADMIN)
            user = benchdata.mint(uid, busiest)
            # Let start-up work (the monthly reports' run for 5,000 companies) finish first.
            time.sleep(5.0)
            idle = max(rss_mb(proc.pid) for _ in range(5))
            cases = [
                ("busiest company, a year, by service", user,
                 f"/api/v1/reports/sla?from={iso(year_from)}&to={iso(year_to)}&group_by=service"),
                ("busiest company, a year, by month", user,
                 f"/api/v1/reports/sla?from={iso(year_from)}&to={iso(year_to)}&group_by=month"),
                ("all companies, last month, by service", desk,
                 f"/api/v1/reports/sla?from={iso(first_last)}&to={iso(first_this)}&group_by=service"),
                ("all companies, last month, by priority", desk,
                 f"/api/v1/reports/sla?from={iso(first_last)}&to={iso(first_this)}&group_by=priority"),
                # Beyond the targets: every ticket of the year, for the record.
                ("all companies, a year, by priority", desk,
                 f"/api/v1/reports/sla?from={iso(year_from)}&to={iso(year_to)}&group_by=priority"),
            ]
            results = []
            peak = idle
            for name, token, path in cases:
                _, body = timed(base, token, path)  # warm-up, and the figures to check
                report = json.loads(body)
                samples = []
                for _ in range(RUNS):
                    took, _ = timed(base, token, path)
                    samples.append(took)
                    peak = max(peak, rss_mb(proc.pid))
                _, csv_body = timed(base, token, path, accept="text/csv")
                results.append({"case": name, "raised": report["totals"]["tickets"]["raised"],
                                "groups": len(report["groups"]), "json_kb": len(body) / 1024,
                                "csv_rows": csv_body.count(b"\r\n") - 1, **stats(samples)})
            plans = explain(data, backend, busiest, first_last, first_this)
            return {"backend": backend, "tickets": TICKETS, "seed_s": seeded, "company": busiest, "plans": plans,
                    "company_tickets": int(busiest_count), "idle_mb": idle, "peak_mb": peak,
                    "cases": results}
        finally:
            proc.terminate()
            proc.wait()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def section(binary):
    results = []
    for i, backend in enumerate(BACKENDS):
        print(f"== SLA report, {backend}, {TICKETS} tickets", flush=True)
        r = run(backend, binary, 18990 + i)
        print("  " + json.dumps(r), flush=True)
        results.append(r)
    lines = ["## SLA report: a company-year and every company's month", "",
             f"`GET /api/v1/reports/sla` on {TICKETS:,} tickets over the last ~360 days (one every {SPACING} s; "
             "10 % service-down, 30 % degraded, 40 % intermittent, 20 % no impact; a tenth cancelled; resolved ones "
             "older than five days closed; the last three days open; then VACUUM ANALYZE on PostgreSQL, as autovacuum "
             f"would after such an update), {RUNS} sequential requests per case after one warm-up, each read to its "
             "end. The busiest company asks as its user; every company's month (and, beyond the 1 s target, every "
             "company's year) is asked by the platform admin. RSS is the server's (idle after start-up; peak sampled "
             "after each request). Run alone, release build, "
             f"`REPORT_BENCH_RUNS={RUNS} python3 scripts/report_bench.py`.", "",
             "| backend | case | tickets in report | groups | JSON KiB | p50 ms | p99 ms | max ms |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        for c in r["cases"]:
            lines.append(f"| {r['backend']} | {c['case']} | {c['raised']:,} | {c['groups']:,} | {c['json_kb']:,.0f} "
                         f"| {c['p50_ms']:.0f} | {c['p99_ms']:.0f} | {c['max_ms']:.0f} |")
    lines.append("")
    for r in results:
        lines.append(f"- {r['backend']}: busiest company {r['company']} ({r['company_tickets']:,} tickets); "
                     f"server RSS {r['idle_mb']:.0f} MiB idle, {r['peak_mb']:.0f} MiB peak.")
    for r in results:
        for name, plan in r["plans"].items():
            lines += ["", f"Plan on {r['backend']}, {name}:", "", "```", plan, "```"]
    return lines + [""]


if __name__ == "__main__":
    print("\n".join(section(benchdata.BIN)))
