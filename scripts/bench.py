#!/usr/bin/env python3
"""HTTP benchmark of the release binary on SQLite and PostgreSQL (`make bench`).

For each backend and data scale it seeds a fresh database (bulk SQL), starts the server, and
measures with wrk (64 connections, the load generator on the same machine) in one run:
GET /health/live (the ceiling), GET /api/v1/incidents/{ref} on random existing tickets,
GET /api/v1/incidents first page and a deep cursor page, and POST /api/v1/incidents.
It records requests/s, p50/p99 latency, ratios to the ceiling, the server's peak RSS and the list
query's plan, and writes BENCHMARKS.md.

Environment: BENCH_SCALES (default "10000,1000000"), BENCH_SECONDS (default 8),
BENCH_CONNECTIONS (default 64), BENCH_BACKENDS (default "sqlite,postgres").
"""

import json
import os
import platform
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "service-assurance")
PG_ADMIN = os.environ.get("BENCH_POSTGRES_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "sa_bench"
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
SCALES = [int(s) for s in os.environ.get("BENCH_SCALES", "10000,1000000").split(",")]
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(",")
ADMIN = ("admin@bench.example", "bench-admin-password-1")
CUSTOMER = ("bob@bench.example", "bench-user-password-1")
BASE_TICKET = 1_000_000
EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z; ticket i is logged EPOCH + i seconds


def ts(i):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(EPOCH + i))


def seed_sqlite(path, n):
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    cur = con.cursor()
    cur.execute(
        "INSERT INTO customers (customer_number, name, created_at) VALUES ('OCN-1001', 'Bench Ltd', ?)",
        (ts(0),),
    )
    cur.execute(
        "INSERT INTO services (service_id, circuit_reference, order_number, customer_number, product, "
        "label, status, created_at, updated_at, version) VALUES ('SVC-1', 'CIR-1', 'ORD-1', 'OCN-1001', "
        "'Ethernet', 'bench', 'active', ?, ?, 1)",
        (ts(0), ts(0)),
    )
    cur.execute(
        """WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
        INSERT INTO incidents (ticket_number, customer_number, service_id, summary, description, impact,
            priority, status, reporter_name, reporter_email, reporter_phone, raised_by, logged_at,
            updated_at, sla_pauses, response_due_at, restore_due_at, at_risk_from, version)
        SELECT ? + i, 'OCN-1001', 'SVC-1', 'Seeded incident ' || i, 'Seeded for the benchmark',
            'degraded', 'P2', CASE WHEN i % 5 = 0 THEN 'closed' ELSE 'in_progress' END, 'Bench', 'b@x.example',
            '+441234567', 'bench', datetime(?, '+' || i || ' seconds'), datetime(?, '+' || i || ' seconds'), '[]',
            datetime(?, '+' || (i + 1800) || ' seconds'), datetime(?, '+' || (i + 28800) || ' seconds'),
            datetime(?, '+' || (i + 21600) || ' seconds'), 1
        FROM seq""",
        (n, BASE_TICKET, ts(0), ts(0), ts(0), ts(0), ts(0)),
    )
    cur.execute("UPDATE ticket_sequence SET last_value = ?", (BASE_TICKET + n,))
    con.commit()
    con.execute("ANALYZE")
    con.close()


def psql(db, sql):
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + db
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True,
                          capture_output=True, text=True).stdout


def seed_postgres(n):
    psql(PG_DB, f"""
        INSERT INTO customers (customer_number, name, created_at) VALUES ('OCN-1001', 'Bench Ltd', '{ts(0)}');
        INSERT INTO services (service_id, circuit_reference, order_number, customer_number, product, label,
            status, created_at, updated_at, version)
        VALUES ('SVC-1', 'CIR-1', 'ORD-1', 'OCN-1001', 'Ethernet', 'bench', 'active', '{ts(0)}', '{ts(0)}', 1);
        INSERT INTO incidents (ticket_number, customer_number, service_id, summary, description, impact,
            priority, status, reporter_name, reporter_email, reporter_phone, raised_by, logged_at, updated_at,
            sla_pauses, response_due_at, restore_due_at, at_risk_from, version)
        SELECT {BASE_TICKET} + i, 'OCN-1001', 'SVC-1', 'Seeded incident ' || i, 'Seeded for the benchmark',
            'degraded', 'P2', CASE WHEN i % 5 = 0 THEN 'closed' ELSE 'in_progress' END, 'Bench', 'b@x.example',
            '+441234567', 'bench', TIMESTAMP '{ts(0)}' + i * INTERVAL '1 second',
            TIMESTAMP '{ts(0)}' + i * INTERVAL '1 second', '[]',
            TIMESTAMP '{ts(0)}' + (i + 1800) * INTERVAL '1 second',
            TIMESTAMP '{ts(0)}' + (i + 28800) * INTERVAL '1 second',
            TIMESTAMP '{ts(0)}' + (i + 21600) * INTERVAL '1 second', 1
        FROM generate_series(1, {n}) AS i;
        SELECT setval('ticket_number_seq', {BASE_TICKET + n});
        ANALYZE;
    """)


def request(base, method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def token(base, email, password):
    return request(base, "POST", "/api/v1/auth/token",
                   body={"grant_type": "password", "email": email, "password": password})["access_token"]


def start_server(url, port):
    env = dict(os.environ, DATABASE_URL=url, BIND_ADDR=f"127.0.0.1:{port}", HTTP_WORKERS="2",
               JWT_SECRET="bench-secret-bench-secret-bench-secret-0123",
               BOOTSTRAP_ADMIN_EMAIL=ADMIN[0], BOOTSTRAP_ADMIN_PASSWORD=ADMIN[1],
               RUST_LOG="warn", DATABASE_POOL_SIZE="16", DISPATCH_INTERVAL_MS="5000",
               RATE_LIMIT_PER_SECOND="0")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            request(base, "GET", "/health/ready")
            return proc, base
        except Exception:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


LUA_LOOKUP = """
math.randomseed(os.time())
request = function()
  local n = {base} + math.random(1, {n})
  return wrk.format("GET", string.format("/api/v1/incidents/1-%010d", n), {{["Authorization"] = "Bearer {token}"}})
end
"""

LUA_STATIC = """
request = function()
  return wrk.format("{method}", "{path}", {{["Authorization"] = "Bearer {token}", ["Content-Type"] = "application/json"}}, {body})
end
"""


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


def deep_cursor(n):
    # Newest first: the page after the ticket 90 % of the way down. Cursor = hex(micros).hex(id).
    i = n // 10
    return f"{(EPOCH + i) * 1_000_000:x}.{i:x}"


def plan(backend, url_or_path, n):
    i = n // 10
    if backend == "sqlite":
        con = sqlite3.connect(url_or_path)
        rows = con.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM incidents WHERE customer_number = 'OCN-1001' AND "
            "logged_at <= ? AND (logged_at < ? OR id < ?) ORDER BY logged_at DESC, id DESC LIMIT 26",
            (ts(i), ts(i), i)).fetchall()
        con.close()
        return "\n".join(r[3] for r in rows)
    return psql(PG_DB, f"""EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT * FROM incidents
        WHERE customer_number = 'OCN-1001' AND logged_at <= '{ts(i)}' AND (logged_at < '{ts(i)}' OR id < {i})
        ORDER BY logged_at DESC, id DESC LIMIT 26""")


def run(backend, n, port):
    workdir = tempfile.mkdtemp(prefix="sa-bench-")
    try:
        if backend == "sqlite":
            path = os.path.join(workdir, "bench.db")
            url = "sqlite://" + path
            # Let the server create the schema, then seed.
            proc, base = start_server(url, port)
            proc.terminate(); proc.wait()
            seed_sqlite(path, n)
            target = path
        else:
            psql("postgres", f"DROP DATABASE IF EXISTS {PG_DB}")
            psql("postgres", f"CREATE DATABASE {PG_DB}")
            url = PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB
            proc, base = start_server(url, port)
            proc.terminate(); proc.wait()
            seed_postgres(n)
            target = url
        proc, base = start_server(url, port)
        try:
            admin = token(base, *ADMIN)
            request(base, "POST", "/api/v1/users", admin, {"email": CUSTOMER[0], "name": "Bob",
                    "password": CUSTOMER[1], "role": "customer_user", "customer_number": "OCN-1001"})
            tok = token(base, *CUSTOMER)
            raise_body = json.dumps(json.dumps({"service_id": "SVC-1", "summary": "bench", "description": "bench",
                                                "impact": "degraded", "reporter": {"name": "B",
                                                "email": "b@x.example", "phone": "+441234567"}}))
            results = {
                "health/live": wrk(base, LUA_STATIC.format(method="GET", path="/health/live", token=tok, body="nil")),
                "GET incident": wrk(base, LUA_LOOKUP.format(base=BASE_TICKET, n=n, token=tok)),
                "GET list (first page)": wrk(base, LUA_STATIC.format(method="GET", path="/api/v1/incidents?limit=25",
                                                                     token=tok, body="nil")),
                "GET list (deep cursor)": wrk(base, LUA_STATIC.format(
                    method="GET", path=f"/api/v1/incidents?limit=25&cursor={deep_cursor(n)}", token=tok, body="nil")),
                "POST incident": wrk(base, LUA_STATIC.format(method="POST", path="/api/v1/incidents", token=tok,
                                                             body=raise_body)),
            }
            rss = peak_rss_mb(proc.pid)
        finally:
            proc.terminate(); proc.wait()
        return {"results": results, "rss_mb": rss, "plan": plan(backend, target, n)}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except Exception:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"


def main():
    if not os.path.exists(BIN):
        raise SystemExit("build the release binary first: cargo build --release --bin service-assurance")
    lines = ["# Benchmarks", "",
             f"Generated by `make bench` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
             f"Machine: {machine()}. Load generator (wrk, 2 threads, {CONNECTIONS} connections, {SECONDS} s "
             "per endpoint) and server (2 HTTP workers) share the machine. Ratios are to `/health/live` "
             "measured in the same run.", ""]
    port = 18800
    for backend in BACKENDS:
        for n in SCALES:
            port += 1
            print(f"== {backend}, {n} incidents", flush=True)
            r = run(backend, n, port)
            ceiling = r["results"]["health/live"]["rps"]
            lines += [f"## {backend}, {n:,} incidents", "",
                      "| endpoint | req/s | p50 ms | p99 ms | × ceiling | non-2xx |", "|---|---|---|---|---|---|"]
            for name, m in r["results"].items():
                lines.append(f"| {name} | {m['rps']:.0f} | {m['p50']:.2f} | {m['p99']:.2f} | "
                             f"{m['rps'] / ceiling:.3f} | {m['non2xx']} |")
                print(f"  {name:<24} {m['rps']:>9.0f} req/s  p50 {m['p50']:.2f} ms  p99 {m['p99']:.2f} ms  "
                      f"x{m['rps'] / ceiling:.3f}  non2xx {m['non2xx']}", flush=True)
            lines += ["", f"Peak RSS of the server: {r['rss_mb']:.0f} MiB.", "",
                      "Plan of the deep-page list query:", "", "```", r["plan"].strip(), "```", ""]
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(lines))
    print("wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
