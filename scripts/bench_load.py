"""Measuring a server from outside: a minimal keep-alive HTTP/1.1 load generator in its own
process (so that its CPU is not charged to the server), a hello-world aiohttp baseline, SQL
statements counted as a request makes them, and percentiles."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import re
import sqlite3
import statistics
import time
from collections import Counter, defaultdict

import bench_common as bc


def client_main(conn) -> None:
    asyncio.run(_client(conn))


async def _client(conn) -> None:
    loop = asyncio.get_running_loop()
    conn.send(("ready",))
    while True:
        msg = await loop.run_in_executor(None, conn.recv)
        if msg[0] == "quit":
            return
        if msg[0] == "latency":
            _, port, request, count = msg
            conn.send(await _latency(port, request, count))
        elif msg[0] == "throughput":
            _, port, request, concurrency, duration = msg
            conn.send(await _throughput(port, request, concurrency, duration))


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One keep-alive HTTP/1.1 request; returns the status. Bodies are read, not parsed."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    low = head.lower()
    i = low.find(b"\r\ncontent-length:")
    if i < 0:
        raise RuntimeError("response without Content-Length")
    length = int(head[i + 17: low.index(b"\r\n", i + 2)])
    await reader.readexactly(length)
    return status


async def _latency(port: int, request: bytes, count: int):
    reader, writer = await asyncio.open_connection(bc.LOOPBACK, port)
    times, statuses = [], Counter()
    try:
        for _ in range(count):
            start = time.perf_counter()
            status = await _exchange(reader, writer, request)
            times.append(time.perf_counter() - start)
            statuses[status] += 1
    finally:
        writer.close()
    return times, dict(statuses)


async def _throughput(port: int, request: bytes, concurrency: int, duration: float):
    statuses = Counter()
    done = 0
    conns = [await asyncio.open_connection(bc.LOOPBACK, port) for _ in range(concurrency)]
    deadline = time.perf_counter() + duration

    async def worker(reader, writer):
        nonlocal done
        while time.perf_counter() < deadline:
            statuses[await _exchange(reader, writer, request)] += 1
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker(r, w) for r, w in conns))
    elapsed = time.perf_counter() - start
    for _, w in conns:
        w.close()
    return done, elapsed, dict(statuses)


class Client:
    """The parent's handle on the load generator."""

    def __init__(self):
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=client_main, args=(child,), daemon=True)
        self.proc.start()
        assert self.conn.recv()[0] == "ready"

    async def call(self, *msg):
        self.conn.send(msg)
        return await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)

    def close(self):
        try:
            self.conn.send(("quit",))
        finally:
            self.proc.join(timeout=10)
            if self.proc.is_alive():
                self.proc.terminate()


def get_request(port: int, path: str, token: str | None = None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (f"GET {path} HTTP/1.1\r\nHost: {bc.LOOPBACK}:{port}\r\n{auth}"
            "Accept: application/json\r\n\r\n").encode()


async def start_hello(port: int):
    from aiohttp import web

    async def hello(request):
        return web.Response(text="Hello, world")

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, bc.LOOPBACK, port, reuse_address=True, backlog=1024).start()
    return runner


def _normalize(sql: str) -> str:
    sql = re.sub(r"\s+", " ", sql).strip()
    sql = re.sub(r"IN \((\?,?\s*)+\)", "IN (?...)", sql)
    return sql


class SqlTally:
    """Counts and times every read the store issues (instance attributes shadow the methods).

    Keeps the statements with their parameters, so that their cost inside SQLite alone
    (without the wait for a reader thread) can be measured afterwards.
    """

    KINDS = ("fetchone", "fetchkeyed", "aggregate", "fetchall")

    def __init__(self, db):
        self.db = db
        self.stats: dict = defaultdict(lambda: [0, 0.0])
        self.seen: dict = defaultdict(list)

    def __enter__(self):
        for kind in self.KINDS:
            original = getattr(self.db, kind)

            async def wrapped(sql, params=(), _original=original, _kind=kind):
                start = time.perf_counter()
                try:
                    return await _original(sql, params)
                finally:
                    key = (_kind, _normalize(sql))
                    entry = self.stats[key]
                    entry[0] += 1
                    entry[1] += time.perf_counter() - start
                    if len(self.seen[key]) < 200:
                        self.seen[key].append((sql, tuple(params)))

            setattr(self.db, kind, wrapped)
        return self

    def __exit__(self, *exc):
        for kind in self.KINDS:
            delattr(self.db, kind)

    def sqlite_us(self, path: str) -> dict:
        """Median execution time of each statement on a plain connection in this thread."""
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA query_only=ON")
        out = {}
        try:
            for key, calls in self.seen.items():
                for sql, params in calls:  # warm the page cache as the request had it
                    conn.execute(sql, params).fetchall()
                times = []
                for sql, params in calls:
                    start = time.perf_counter()
                    conn.execute(sql, params).fetchall()
                    times.append(time.perf_counter() - start)
                out[key] = statistics.median(times) * 1e6
        finally:
            conn.close()
        return out


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] * 1e3
