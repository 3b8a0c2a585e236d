#!/usr/bin/env python3
"""What `make bench`'s scripts share: the production-like data (5,000 companies, their services
and users, tickets with a skewed volume), seeding it into either backend, tokens signed like the
server's, and starting the release binary on a fresh database. Used by scripts/bench.py (HTTP
figures) and scripts/storm.py (the major-incident storm).
"""

import base64
import hashlib
import hmac
import json
import os
import sqlite3
import subprocess
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BENCH_BIN", os.path.join(ROOT, "target", "release", "service-assurance"))
PG_ADMIN = os.environ.get("BENCH_POSTGRES_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "sa_bench"
ADMIN = ("admin@bench.example", "bench-admin-password-1")
SECRET = "bench-secret-bench-secret-bench-secret-0123"
BASE_TICKET = 1_000_000
EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z; ticket i is logged EPOCH + i seconds
COMPANIES = 5_000
FIRST_COMPANY = 10_000
# Companies 0..STORM_REGION_COMPANIES-1 have their service in the storm's region; the first
# WATCHER_COMPANIES of them have WATCHERS_PER_COMPANY - 1 more users each, to watch.
STORM_REGION = "Storm Region"
STORM_REGION_COMPANIES = 1_000
WATCHER_COMPANIES = 200
WATCHERS_PER_COMPANY = 10
GOLDEN = 0.6180339887498949


def company(k):
    return f"OCN-{FIRST_COMPANY + k}"


def service_of(k):
    return f"SVC-{FIRST_COMPANY + k}"


def ts(i):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(EPOCH + i))


def directory_rows():
    """Companies, their services and their users, as plain rows for both backends."""
    now = ts(0)
    customers = [(company(k), f"Company {k}", now) for k in range(COMPANIES)]
    services = []
    for k in range(COMPANIES):
        region = STORM_REGION if k < STORM_REGION_COMPANIES else f"Region {k % 20}"
        services.append((service_of(k), f"CIR-{k}", f"ORD-{k}", company(k), "Ethernet", f"line {k}",
                         "active", now, now, 1, region, region.lower()))
    users = []
    for k in range(COMPANIES):
        users.append((f"u{k}@bench.example", f"User {k}", "!", "customer_user", company(k), "active", now, now))
        if k < WATCHER_COMPANIES:
            for j in range(1, WATCHERS_PER_COMPANY):
                users.append((f"w{k}-{j}@bench.example", f"Watcher {k}-{j}", "!", "customer_user", company(k),
                              "active", now, now))
    return customers, services, users


CUSTOMER_COLS = "customer_number, name, created_at"
SERVICE_COLS = ("service_id, circuit_reference, order_number, customer_number, product, label, status, "
                "created_at, updated_at, version, region, region_key")
USER_COLS = "email, name, password_hash, role, customer_number, status, created_at, email_verified_at"
INCIDENT_COLS = ("ticket_number, customer_number, service_id, summary, description, impact, priority, status, "
                 "reporter_name, reporter_email, reporter_phone, raised_by, logged_at, updated_at, sla_pauses, "
                 "response_due_at, restore_due_at, at_risk_from, version")


def seed_sqlite(path, n):
    customers, services, users = directory_rows()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    cur = con.cursor()
    cur.executemany(f"INSERT INTO customers ({CUSTOMER_COLS}) VALUES (?, ?, ?)", customers)
    cur.executemany(f"INSERT INTO services ({SERVICE_COLS}) VALUES ({', '.join('?' * 12)})", services)
    cur.executemany(f"INSERT INTO users ({USER_COLS}) VALUES ({', '.join('?' * 8)})", users)
    # Company of ticket i: floor(COMPANIES * u^3) with u = frac(i * golden ratio): skewed, fixed.
    cur.execute(
        f"""WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?),
        spread(i, k) AS (SELECT i, CAST({COMPANIES} * u * u * u AS INTEGER)
                         FROM (SELECT i, i * {GOLDEN} - CAST(i * {GOLDEN} AS INTEGER) AS u FROM seq))
        INSERT INTO incidents ({INCIDENT_COLS})
        SELECT ? + i, 'OCN-' || ({FIRST_COMPANY} + k), 'SVC-' || ({FIRST_COMPANY} + k), 'Seeded incident ' || i,
            'Seeded for the benchmark', 'degraded', 'P2', CASE WHEN i % 5 = 0 THEN 'closed' ELSE 'in_progress' END,
            'Bench', 'b@x.example', '+441234567', 'bench', datetime(?, '+' || i || ' seconds'),
            datetime(?, '+' || i || ' seconds'), '[]', datetime(?, '+' || (i + 1800) || ' seconds'),
            datetime(?, '+' || (i + 28800) || ' seconds'), datetime(?, '+' || (i + 21600) || ' seconds'), 1
        FROM spread""",
        (n, BASE_TICKET, ts(0), ts(0), ts(0), ts(0), ts(0)),
    )
    cur.execute("UPDATE ticket_sequence SET last_value = ?", (BASE_TICKET + n,))
    con.commit()
    con.execute("ANALYZE")
    con.close()


def sql_literal(v):
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def values(rows):
    return ",\n".join("(" + ", ".join(sql_literal(v) for v in r) + ")" for r in rows)


def psql(db, sql):
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + db
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", "-f", "-"], input=sql, check=True,
                          capture_output=True, text=True).stdout


def seed_postgres(n):
    customers, services, users = directory_rows()
    psql(PG_DB, f"""
        INSERT INTO customers ({CUSTOMER_COLS}) VALUES {values(customers)};
        INSERT INTO services ({SERVICE_COLS}) VALUES {values(services)};
        INSERT INTO users ({USER_COLS}) VALUES {values(users)};
        INSERT INTO incidents ({INCIDENT_COLS})
        SELECT {BASE_TICKET} + i, 'OCN-' || ({FIRST_COMPANY} + k), 'SVC-' || ({FIRST_COMPANY} + k),
            'Seeded incident ' || i, 'Seeded for the benchmark', 'degraded', 'P2',
            CASE WHEN i % 5 = 0 THEN 'closed' ELSE 'in_progress' END, 'Bench', 'b@x.example', '+441234567', 'bench',
            TIMESTAMP '{ts(0)}' + i * INTERVAL '1 second', TIMESTAMP '{ts(0)}' + i * INTERVAL '1 second', '[]',
            TIMESTAMP '{ts(0)}' + (i + 1800) * INTERVAL '1 second',
            TIMESTAMP '{ts(0)}' + (i + 28800) * INTERVAL '1 second',
            TIMESTAMP '{ts(0)}' + (i + 21600) * INTERVAL '1 second', 1
        FROM (SELECT i, floor({COMPANIES} * power(i * {GOLDEN} - floor(i * {GOLDEN}), 3))::int AS k
              FROM generate_series(1, {n}) AS i) AS spread;
        SELECT setval('ticket_number_seq', {BASE_TICKET + n});
        ANALYZE;
    """)


class Data:
    """Read access to the seeded database, for drawing requests."""

    def __init__(self, backend, target):
        self.backend, self.target = backend, target

    def rows(self, sql):
        if self.backend == "sqlite":
            con = sqlite3.connect(self.target)
            try:
                return con.execute(sql).fetchall()
            finally:
                con.close()
        out = psql(PG_DB, sql)
        return [tuple(line.split("|")) for line in out.splitlines() if line]

    def users(self):
        """email -> (user id, company)."""
        return {email: (int(uid), ocn) for uid, email, ocn in
                self.rows("SELECT id, email, customer_number FROM users WHERE email LIKE '%@bench.example' AND customer_number IS NOT NULL")}


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mint(user_id, customer, role="customer_user", ttl=7200):
    """An HS256 token as the server issues it, signed with the bench's secret."""
    now = time.time()
    claims = {"sub": f"user:{user_id}", "role": role, "iss": "service-assurance", "aud": "service-assurance-api",
              "iat": int(now), "exp": int(now) + ttl, "iat_ms": int(now * 1000)}
    if customer:
        claims["customer_number"] = customer
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


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


def start_server(binary, url, port, extra=None):
    env = dict(os.environ, DATABASE_URL=url, BIND_ADDR=f"127.0.0.1:{port}", HTTP_WORKERS="2",
               JWT_SECRET=SECRET, BOOTSTRAP_ADMIN_EMAIL=ADMIN[0], BOOTSTRAP_ADMIN_PASSWORD=ADMIN[1],
               RUST_LOG="warn", DATABASE_POOL_SIZE="16", DISPATCH_INTERVAL_MS="5000",
               RATE_LIMIT_PER_SECOND="0", **(extra or {}))
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            request(base, "GET", "/health/ready")
            return proc, base
        except Exception:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def fresh_database(backend, workdir, binary, port):
    """A migrated, empty database for `binary` (its own schema version): (url, seed target)."""
    if backend == "sqlite":
        path = os.path.join(workdir, "bench.db")
        url = "sqlite://" + path
        target = path
    else:
        psql("postgres", f"DROP DATABASE IF EXISTS {PG_DB}")
        psql("postgres", f"CREATE DATABASE {PG_DB}")
        url = target = PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB
    proc, _ = start_server(binary, url, port)
    proc.terminate()
    proc.wait()
    return url, target
