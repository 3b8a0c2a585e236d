#!/usr/bin/env python3
"""Attachments under load (issue 22): 16 users of 16 companies each upload a 20 MiB packet capture
at the same moment, on SQLite and the local file store, with the production-like data of
`make bench` (5,000 companies, 10,000 tickets). Reports the throughput (MB/s of file bytes, all
uploads from first byte sent to last answer), each upload's time, and the server's peak RSS over
its idle RSS: an upload is streamed (spooled to disk as it arrives), so the growth must stay
small — the issue's target is under 64 MiB for the 16 together.

Every answer must be 201 with the SHA-256 of what was sent, and each file must read back
byte-identical. The load generator (Python asyncio, standard library) shares the machine.

Run alone: python3 scripts/upload_bench.py (after `cargo build --release`).
"""

import asyncio
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchdata  # noqa: E402

UPLOADS = 16
SIZE = 20 * 1024 * 1024
CHUNK = 256 * 1024
PCAP_HEADER = bytes([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0] + [0] * 8 + [0xff, 0xff, 0, 0, 1, 0, 0, 0])


def content_chunks(seed):
    """The file of upload `seed`, chunk by chunk: a pcap header, then bytes of its own."""
    yield PCAP_HEADER
    left = SIZE - len(PCAP_HEADER)
    block = hashlib.sha256(f"upload {seed}".encode()).digest() * (CHUNK // 32)
    k = 0
    while left > 0:
        part = block[: min(CHUNK, left)]
        # Each chunk differs (its index in front), so no two uploads are the same content.
        part = k.to_bytes(8, "little") + part[8:]
        yield part
        left -= len(part)
        k += 1


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Sampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, False

    def run(self):
        while not self.stop:
            try:
                self.peak = max(self.peak, rss_mb(self.pid))
            except OSError:
                return
            time.sleep(0.01)


async def upload(port, token, ticket, seed):
    boundary = f"bench-{seed}-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"trace-{seed}.pcap\"\r\n"
            "Content-Type: application/vnd.tcpdump.pcap\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write((f"POST /api/v1/incidents/{ticket}/attachments HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  f"Authorization: Bearer {token}\r\n"
                  f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                  f"Content-Length: {len(head) + SIZE + len(tail)}\r\nConnection: close\r\n\r\n").encode() + head)
    digest = hashlib.sha256()
    started = time.monotonic()
    for chunk in content_chunks(seed):
        digest.update(chunk)
        writer.write(chunk)
        await writer.drain()
    writer.write(tail)
    await writer.drain()
    answer = await reader.read()
    took = time.monotonic() - started
    writer.close()
    status = int(answer.split(b" ", 2)[1])
    body = answer.split(b"\r\n\r\n", 1)[1]
    return status, json.loads(body or b"null"), digest.hexdigest(), took


def read_back(port, token, url):
    import urllib.request
    req = urllib.request.Request(f"http://127.0.0.1:{port}{url}")
    req.add_header("Authorization", "Bearer " + token)
    digest = hashlib.sha256()
    with urllib.request.urlopen(req, timeout=60) as resp:
        while True:
            block = resp.read(1 << 20)
            if not block:
                break
            digest.update(block)
    return digest.hexdigest()


def run(binary, port):
    workdir = tempfile.mkdtemp(prefix="sa-upload-bench-")
    try:
        url, target = benchdata.fresh_database("sqlite", workdir, binary, port)
        benchdata.seed_sqlite(target, 10_000)
        data = benchdata.Data("sqlite", target)
        extra = {"ATTACHMENT_STORE": "file://" + os.path.join(workdir, "objects"),
                 "ATTACHMENT_SPOOL_DIR": os.path.join(workdir, "spool")}
        proc, base = benchdata.start_server(binary, url, port, extra)
        try:
            users = data.users()
            # 16 companies that have an open ticket, one upload each.
            rows = data.rows("SELECT customer_number, MIN(ticket_number) FROM incidents WHERE status <> 'closed' "
                             "GROUP BY customer_number ORDER BY COUNT(*) DESC LIMIT 16")
            by_company = {ocn: (uid, ocn) for _, (uid, ocn) in users.items()}
            jobs = []
            for seed, (ocn, number) in enumerate(rows):
                uid, _ = by_company[ocn]
                jobs.append((benchdata.mint(uid, ocn), f"1-{int(number):010d}", seed))
            benchdata.request(base, "GET", "/health/ready")
            time.sleep(1.0)
            idle = 0.0
            for _ in range(5):
                idle = max(idle, rss_mb(proc.pid))
                time.sleep(0.05)
            sampler = Sampler(proc.pid)
            sampler.start()
            started = time.monotonic()

            async def all_uploads():
                return await asyncio.gather(*(upload(port, tok, t, seed) for tok, t, seed in jobs))

            results = asyncio.run(all_uploads())
            wall = time.monotonic() - started
            sampler.stop = True
            sampler.join()
            ok = [r for r in results if r[0] == 201 and r[1]["sha256"] == r[2]]
            readable = sum(1 for (status, body, sha, _), (tok, _, _) in zip(results, jobs)
                           if status == 201 and read_back(port, tok, body["content_url"]) == sha)
            times = sorted(r[3] for r in results)
            return {
                "uploads": len(jobs), "created": len(ok), "readable": readable,
                "statuses": sorted({r[0] for r in results}),
                "mb_per_s": len(jobs) * SIZE / wall / 1e6, "wall_s": wall,
                "p50_s": times[len(times) // 2], "max_s": times[-1],
                "idle_mb": idle, "peak_mb": sampler.peak, "growth_mb": sampler.peak - idle,
            }
        finally:
            proc.terminate()
            proc.wait()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def section(binary):
    print("== uploads, sqlite + file store", flush=True)
    r = run(binary, 18990)
    print("  " + json.dumps(r), flush=True)
    verdict = "met" if r["growth_mb"] < 64 else "missed"
    return ["## Attachments: 16 concurrent 20 MiB uploads", "",
            "16 users of 16 companies each upload a 20 MiB packet capture at once (`multipart/form-data`, "
            "one connection each), on SQLite with the local file store and the data above (10,000 tickets). "
            "Throughput counts file bytes from the first byte sent to the last answer. RSS is the server's, "
            "sampled every 10 ms; idle is after start-up and one request.", "",
            "| uploads | 201 with the right SHA-256 | read back identical | MB/s | wall s | upload p50 s "
            "| upload max s | idle RSS MiB | peak RSS MiB | growth MiB | target: growth < 64 MiB |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            f"| {r['uploads']} | {r['created']} | {r['readable']} | {r['mb_per_s']:.0f} | {r['wall_s']:.1f} "
            f"| {r['p50_s']:.1f} | {r['max_s']:.1f} | {r['idle_mb']:.0f} | {r['peak_mb']:.0f} "
            f"| {r['growth_mb']:.0f} | {verdict} |", ""]


if __name__ == "__main__":
    print("\n".join(section(benchdata.BIN)))
