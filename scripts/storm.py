#!/usr/bin/env python3
"""The major-incident storm of `make bench` (called by scripts/benchdata.py, or alone).

On benchdata.py's data (5,000 companies; the first 1,000 have their service in one region) and
10,000 older tickets:

- 2,000 Server-Sent Event streams are open: 10 users of each of 200 companies in the region;
- the incident manager raises a major incident on the region, then posts an update every 5 s;
- 500 companies of the region raise a ticket each, spread over 30 s (each joins the incident).

Reported: raise throughput, p50/p99 and answers other than 201 during the storm; for the raise
notice and every update, the time from sending it to its arrival on every open stream (p50, p99,
max: measured from before the request is sent, so it includes the request up to its commit),
and how many (stream, update) pairs never arrived; the server's peak RSS and open connections.
After the storm every ticket answered 201 is read back by its raiser and must be a child of
the major incident.

Alone: python3 scripts/storm.py [sqlite|postgres] (uses target/release/service-assurance).
"""

import asyncio
import json
import os
import resource
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchdata  # noqa: E402

STREAMS_COMPANIES = benchdata.WATCHER_COMPANIES
RAISERS = 500
WINDOW = 30.0
UPDATE_EVERY = 5.0
SETTLE = 20.0
BACKGROUND_TICKETS = 10_000


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def http(port, method, path, token=None, body=None):
    """One request on its own connection: (status, parsed body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\nContent-Type: application/json\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    head += f"Content-Length: {len(data)}\r\n\r\n"
    writer.write(head.encode() + data)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    status_line, _, rest = raw.partition(b"\r\n")
    headers, _, payload = rest.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in headers.lower():
        payload = dechunk(payload)
    try:
        parsed = json.loads(payload or b"null")
    except ValueError:
        parsed = None
    return int(status_line.split()[1]), parsed


def dechunk(data):
    out, i = b"", 0
    while True:
        end = data.index(b"\r\n", i)
        size = int(data[i:end].split(b";")[0], 16)
        if size == 0:
            return out
        out += data[end + 2:end + 2 + size]
        i = end + 2 + size + 2


class Watcher:
    """One open event stream, remembering when each major-incident notice arrived."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.arrived = {}
        self.status = None
        self.ready = asyncio.Event()

    async def run(self):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.write((f"GET /api/v1/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n"
                          f"Authorization: Bearer {self.token}\r\n\r\n").encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            self.status = int(head.split()[1])
            chunked = b"transfer-encoding: chunked" in head.lower()
            self.ready.set()
            if self.status != 200:
                return
            buffer, event = b"", None
            while True:
                if chunked:
                    size = int((await reader.readline()).split(b";")[0], 16)
                    if size == 0:
                        return
                    buffer += (await reader.readexactly(size + 2))[:-2]
                else:
                    piece = await reader.read(65536)
                    if not piece:
                        return
                    buffer += piece
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    line = line.rstrip(b"\r")
                    if line.startswith(b"event:"):
                        event = line[6:].strip().decode()
                    elif line.startswith(b"data:") and event == "major_incident.notice":
                        notice = json.loads(line[5:])["data"]
                        key = notice.get("text") if notice.get("notice") == "update" else notice.get("notice")
                        self.arrived.setdefault(key, time.monotonic())
                    elif not line:
                        event = None
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.ready.set()


def sample(pid, peak):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    peak["rss_mb"] = max(peak["rss_mb"], int(line.split()[1]) / 1024)
        sockets = sum(1 for fd in os.listdir(f"/proc/{pid}/fd")
                      if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"))
        peak["sockets"] = max(peak["sockets"], sockets)
    except OSError:
        pass


async def storm(port, pid, admin, watchers_tokens, raisers):
    peak = {"rss_mb": 0.0, "sockets": 0}
    watchers = [Watcher(port, t) for t in watchers_tokens]
    tasks = [asyncio.create_task(w.run()) for w in watchers]
    await asyncio.gather(*(w.ready.wait() for w in watchers))
    refused = sum(1 for w in watchers if w.status != 200)
    await asyncio.sleep(1.0)

    sent = {}
    sent["raised"] = time.monotonic()
    status, major = await http(port, "POST", "/api/v1/major-incidents", admin, {
        "summary": "Storm: fibre cut", "description": "Trunk cut", "severity": "critical",
        "region": benchdata.STORM_REGION, "affected_service_ids": []})
    if status != 201:
        raise SystemExit(f"raising the major incident: {status} {major}")
    parent = major["ticket_number"]
    start = time.monotonic()
    outcomes = []
    posted = [time.monotonic() - sent["raised"]]

    async def raise_one(i, token, service):
        await asyncio.sleep(max(0.0, start + i * WINDOW / RAISERS - time.monotonic()))
        t = time.monotonic()
        status, body = await http(port, "POST", "/api/v1/incidents", token, {
            "service_id": service, "summary": f"Storm raise {i}", "description": "down since the cut",
            "impact": "service_down", "reporter": {"name": "R", "email": "r@x.example", "phone": "+441234567"}})
        outcomes.append((status, time.monotonic() - t, time.monotonic(), body, token))

    async def updates():
        k = 0
        while time.monotonic() - start < WINDOW:
            await asyncio.sleep(max(0.0, start + (k + 1) * UPDATE_EVERY - time.monotonic()))
            k += 1
            text = f"Storm update {k}"
            sent[text] = time.monotonic()
            status, body = await http(port, "POST", f"/api/v1/major-incidents/{parent}/updates", admin,
                                      {"text": text})
            posted.append(time.monotonic() - sent[text])
            if status != 201:
                outcomes.append((status, 0.0, time.monotonic(), body, None))

    async def sampler():
        while True:
            sample(pid, peak)
            await asyncio.sleep(0.5)

    sampling = asyncio.create_task(sampler())
    await asyncio.gather(updates(), *(raise_one(i, t, s) for i, (t, s) in enumerate(raisers)))
    deadline = time.monotonic() + SETTLE
    live = [w for w in watchers if w.status == 200]
    while time.monotonic() < deadline and any(len(w.arrived) < len(sent) for w in live):
        await asyncio.sleep(0.2)
    sampling.cancel()
    for t in tasks:
        t.cancel()

    delays, raise_delays, missing = [], [], 0
    for w in live:
        for key, at in sent.items():
            if key in w.arrived:
                (raise_delays if key == "raised" else delays).append(w.arrived[key] - at)
            else:
                missing += 1
    raised = [o for o in outcomes if o[4] is not None]
    ok = [o for o in raised if o[0] == 201]
    errors = [o for o in outcomes if o[0] != 201]
    span = max(o[2] for o in raised) - start if raised else 1.0
    # Nothing lost: every ticket answered 201 reads back, as a child of the major incident.
    unreadable = 0
    for status, _, _, body, token in ok:
        got, ticket = await http(port, "GET", f"/api/v1/incidents/{body['ticket_number']}", token)
        if got != 200 or ticket.get("parent_ticket_number") != parent:
            unreadable += 1
    return {
        "streams": len(live), "refused_streams": refused, "raises": len(raised), "created": len(ok),
        "errors": len(errors), "error_sample": [(o[0], o[3]) for o in errors[:3]],
        "raise_rps": len(ok) / span, "raise_p50": percentile([o[1] for o in ok], 50) * 1000,
        "raise_p99": percentile([o[1] for o in ok], 99) * 1000,
        "notices": len(sent), "pairs": len(delays) + len(raise_delays) + missing, "missing": missing,
        "update_p50": percentile(delays, 50) * 1000, "update_p99": percentile(delays, 99) * 1000,
        "update_max": max(delays) * 1000 if delays else float("nan"),
        "update_post_max": max(posted[1:]) * 1000 if len(posted) > 1 else float("nan"),
        "raise_notice_p99": percentile(raise_delays, 99) * 1000, "raise_post": posted[0] * 1000,
        "rss_mb": peak["rss_mb"], "sockets": peak["sockets"], "unreadable": unreadable,
    }


def run(binary, backend, port):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    workdir = tempfile.mkdtemp(prefix="sa-storm-")
    try:
        url, target = benchdata.fresh_database(backend, workdir, binary, port)
        (benchdata.seed_sqlite(target, BACKGROUND_TICKETS) if backend == "sqlite"
         else benchdata.seed_postgres(BACKGROUND_TICKETS))
        users = benchdata.Data(backend, target).users()
        watchers, raisers = [], []
        for email, (uid, ocn) in sorted(users.items()):
            k = int(ocn.split("-")[1]) - benchdata.FIRST_COMPANY
            if k < STREAMS_COMPANIES:
                watchers.append(benchdata.mint(uid, ocn))
            if email.startswith("u") and k < RAISERS:
                raisers.append((benchdata.mint(uid, ocn), benchdata.service_of(k)))
        proc, base = benchdata.start_server(binary, url, port)
        try:
            admin = benchdata.token(base, *benchdata.ADMIN)
            result = asyncio.run(storm(port, proc.pid, admin, watchers, raisers))
        finally:
            proc.terminate()
            proc.wait()
        data = benchdata.Data(backend, target)
        result["children"] = int(data.rows("SELECT count(*) FROM incidents WHERE parent_ticket_number IS NOT NULL")[0][0])
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def section(binaries, backends):
    lines = ["## Major-incident storm", "",
             f"{STREAMS_COMPANIES * benchdata.WATCHERS_PER_COMPANY:,} open event streams (10 users of each of "
             f"{STREAMS_COMPANIES} companies); a major incident raised on a region where "
             f"{benchdata.STORM_REGION_COMPANIES:,} companies have a service; {RAISERS} of them raise a ticket each "
             f"over {WINDOW:.0f} s (each joins the incident) while the incident manager posts an update every "
             f"{UPDATE_EVERY:.0f} s. Notice delay: from sending the raise or update request to the notice's "
             "arrival on each open stream (all streams, every notice). The load generator (Python asyncio, one "
             "core at most) shares the machine.", "",
             "Each update reached every open stream: the table's update columns are over the six updates and "
             "all streams (the issue's target: p99 < 1 s). The raise's own notice is shown apart: raising joins "
             "every open ticket already on the region's services (about 4,600 of the 10,000 older tickets "
             "here, one join at a time), and the notice goes out when that commits.", "",
             "| backend | binary | streams | raises 201 / sent | raise/s | raise p50 ms | raise p99 ms "
             "| error answers | update p50 ms | update p99 ms | update max ms | slowest update request ms "
             "| missing (of notices × streams) | raise request ms | raise notice p99 ms | tickets linked "
             "| peak RSS MiB | peak open sockets | unreadable after |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    port = 18900
    for backend in backends:
        for label, binary in reversed(binaries):
            port += 1
            print(f"== storm, {backend}, {label}", flush=True)
            r = run(binary, backend, port)
            print("  " + json.dumps(r), flush=True)
            lines.append(
                f"| {backend} | {label} | {r['streams']} | {r['created']} / {r['raises']} | {r['raise_rps']:.1f} "
                f"| {r['raise_p50']:.1f} | {r['raise_p99']:.1f} | {r['errors']} | {r['update_p50']:.0f} "
                f"| {r['update_p99']:.0f} | {r['update_max']:.0f} | {r['update_post_max']:.0f} "
                f"| {r['missing']} of {r['pairs']:,} | {r['raise_post']:.0f} | {r['raise_notice_p99']:.0f} "
                f"| {r['children']:,} | {r['rss_mb']:.0f} | {r['sockets']} | {r['unreadable']} |")
    return lines + [""]


if __name__ == "__main__":
    chosen = sys.argv[1:] or ["sqlite", "postgres"]
    print("\n".join(section([("after", benchdata.BIN)], chosen)))
