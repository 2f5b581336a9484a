"""Measuring a server from outside: a minimal keep-alive HTTP/1.1 load generator in its own
process (so that its CPU is not charged to the server), a POST flood in its own process, a
hello-world aiohttp baseline, SQL statements counted as a request makes them, and percentiles."""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing as mp
import re
import sqlite3
import statistics
import time
from collections import Counter, defaultdict

import bench_common as bc


def client_main(conn) -> None:
    asyncio.run(_client(conn))


async def _serve(conn, answer) -> None:
    """A child process's loop: say ready, then answer each message from the parent with
    `answer(message)` until it says quit."""
    loop = asyncio.get_running_loop()
    conn.send(("ready",))
    while True:
        msg = await loop.run_in_executor(None, conn.recv)
        if msg[0] == "quit":
            return
        conn.send(await answer(msg))


async def _client(conn) -> None:
    async def answer(msg):
        if msg[0] == "latency":
            _, port, request, count = msg
            return await _latency(port, request, count)
        _, port, request, concurrency, duration = msg  # throughput
        return await _throughput(port, request, concurrency, duration)

    await _serve(conn, answer)


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


def _requests(request: bytes | list[bytes], start: int = 0):
    """The requests to send in turn: one, or a list taken round-robin from `start`."""
    return itertools.repeat(request) if isinstance(request, bytes) else \
        itertools.islice(itertools.cycle(request), start % len(request), None)


async def _latency(port: int, request: bytes | list[bytes], count: int):
    reader, writer = await asyncio.open_connection(bc.LOOPBACK, port)
    times, statuses = [], Counter()
    requests = _requests(request)
    try:
        for _ in range(count):
            start = time.perf_counter()
            status = await _exchange(reader, writer, next(requests))
            times.append(time.perf_counter() - start)
            statuses[status] += 1
    finally:
        writer.close()
    return times, dict(statuses)


async def _throughput(port: int, request: bytes | list[bytes], concurrency: int, duration: float):
    """Requests answered in `duration` seconds by `concurrency` keep-alive connections:
    (count, elapsed seconds, {status: count}, each request's round trip in seconds, the time
    it waited for the server included)."""
    statuses = Counter()
    times: list[float] = []
    conns = [await asyncio.open_connection(bc.LOOPBACK, port) for _ in range(concurrency)]
    deadline = time.perf_counter() + duration

    async def worker(reader, writer, requests):
        while (sent := time.perf_counter()) < deadline:
            statuses[await _exchange(reader, writer, next(requests))] += 1
            times.append(time.perf_counter() - sent)

    start = time.perf_counter()
    await asyncio.gather(*(worker(r, w, _requests(request, 7 * i)) for i, (r, w) in enumerate(conns)))
    elapsed = time.perf_counter() - start
    for _, w in conns:
        w.close()
    return len(times), elapsed, dict(statuses), times


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


# --------------------------------------------------------------------------- POST flood (child process)


def flood_main(conn, url: str, requests: list[tuple[dict, bytes]], concurrency: int) -> None:
    asyncio.run(_flood_loop(conn, url, requests, concurrency))


async def _flood_loop(conn, url, requests, concurrency) -> None:
    await _serve(conn, lambda _msg: _flood(url, requests, concurrency))


async def _flood(url: str, requests: list[tuple[dict, bytes]], concurrency: int):
    """POST every request once, `concurrency` at a time, over keep-alive connections."""
    import aiohttp

    statuses: Counter = Counter()
    it = iter(range(len(requests)))

    async def worker(session: aiohttp.ClientSession) -> None:
        for i in it:
            headers, body = requests[i]
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    statuses[resp.status] += 1
            except aiohttp.ClientError as exc:
                statuses[type(exc).__name__] += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.monotonic()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        end = time.monotonic()
    return start, end, dict(statuses)


class Flood:
    """A process that POSTs the same (headers, body) requests to `url` whenever told to."""

    def __init__(self, url: str, requests: list[tuple[dict, bytes]], concurrency: int):
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=flood_main, args=(child, url, requests, concurrency), daemon=True)
        self.proc.start()
        assert self.conn.recv()[0] == "ready"

    def go(self) -> asyncio.Future:
        """Start a flood; the future gives (start, end, {status: count}), monotonic times."""
        reply = asyncio.get_running_loop().run_in_executor(None, self.conn.recv)
        self.conn.send(("go",))
        return reply

    def close(self) -> None:
        try:
            self.conn.send(("quit",))
        finally:
            self.proc.join(timeout=10)
            if self.proc.is_alive():
                self.proc.terminate()


# --------------------------------------------------------------------------- the server, timed


class PathRecorder:
    """Server-side durations per path, collected by a middleware. It also resets fedi's client
    API rate limit before every request: the benchmarks exceed it by design."""

    def __init__(self):
        self.samples: dict[str, list[float]] = {}

    def middleware(self):
        from aiohttp import web

        from fedi.appkeys import STATE

        @web.middleware
        async def timing(request, handler):
            request.app[STATE].api_requests.clear()  # the run exceeds the rate limit by design
            start = time.perf_counter()
            try:
                return await handler(request)
            finally:
                self.samples.setdefault(request.path, []).append(time.perf_counter() - start)

        return timing

    def take(self, path: str) -> list[float]:
        return self.samples.pop(path.split("?")[0], [])


async def start_timed(config, port: int, recorder: PathRecorder) -> bc.Instance:
    """The real app (job workers off) on 127.0.0.1:port, timed by the recorder's middleware,
    placed outermost so that it covers fedi's own middlewares; the garbage collector is
    tuned as `fedi serve` tunes it."""
    from aiohttp import web

    from fedi.app import create_app, tune_collector

    app = create_app(config, run_workers=False)
    app.middlewares.insert(0, recorder.middleware())
    tune_collector()  # as `fedi serve` does
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, bc.LOOPBACK, port, reuse_address=True, backlog=1024).start()
    return bc.Instance(app=app, web_runner=runner, port=port)


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


# --------------------------------------------------------------------------- profile by stage

# Where a fedi server's event loop time goes, by stage: (label, what to look for in a function's file
# and name). The first match wins; the stages are exclusive (own time, not cumulative).
STAGES = [
    ("SQLite statements (execute, fetch, commit)", ("sqlite3.", "{method 'execute'", "{method 'fetch",
                                                    "{method 'commit'", "executemany")),
    ("RSA verify and digests", ("cryptography", "hashlib", "_hashlib", "verify")),
    ("HTML sanitizing (nh3) and linkifying", ("nh3", "Cleaner", "bleach", "html5lib")),
    ("JSON", ("json", "orjson", "safejson")),
    ("rows to records", ("storage/sqlite/rows.py",)),
    ("fedi storage layer (SQL building, repositories)", ("fedi/storage",)),
    ("fedi federation face (intake, signatures, keys)", ("fedi/federation", "fedi/edge")),
    ("fedi services (inbox job: notes, fan-out, queues)", ("fedi/services",)),
    ("fedi ActivityPub helpers (parsing, addresses)", ("fedi/activitypub", "fedi/urls.py", "fedi/jobs")),
    ("URL parsing (urllib)", ("urllib/parse",)),
    ("regular expressions", ("re.Pattern", "/re/", "sre_")),
    ("the socket (sending responses)", ("_socket.socket",)),
    ("aiohttp (HTTP parsing, routing, responses)", ("aiohttp", "multidict", "yarl")),
    ("asyncio event loop and selectors", ("asyncio", "selectors", "{method 'poll'", "select.epoll")),
]


def print_profile(profiler, units: int, unit: str, top: int = 25) -> None:
    """A server's own time by stage (STAGES) per unit of work, then the functions that took
    most of it."""
    import pstats

    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())
    by_stage: Counter = Counter()
    other: Counter = Counter()
    for (path, _line, name), row in stats.stats.items():
        where = f"{path}:{name}"
        label = next((label for label, keys in STAGES if any(k in where for k in keys)), "other Python")
        by_stage[label] += row[2]
        if label == "other Python":
            other[where] += row[2]
    print(f"\nprofile (own time of each function, under cProfile; {total:.2f} s in all, "
          f"{total / units * 1e3:.3f} ms per {unit}):")
    for label, seconds in by_stage.most_common():
        print(f"  {seconds / total * 100:5.1f}%  {seconds / units * 1e6:6.0f} us/{unit}  {label}")
    print("  the largest items of 'other Python': " + "; ".join(
        f"{where.rsplit('/', 1)[-1]} {seconds / units * 1e6:.0f} us" for where, seconds in other.most_common(8)))
    stats.sort_stats("tottime").print_stats(top)


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

    async def postgresql_us(self, url: str) -> dict:
        """The same on PostgreSQL: each statement (as fedi rewrites it) on a connection of its
        own, so without waiting for a pooled connection; the network round trip is included."""
        import asyncpg

        from fedi.storage.postgres.db import translate

        conn = await asyncpg.connect(url)
        out = {}
        try:
            for key, calls in self.seen.items():
                for sql, params in calls:
                    await conn.fetch(translate(sql), *params)
                times = []
                for sql, params in calls:
                    start = time.perf_counter()
                    await conn.fetch(translate(sql), *params)
                    times.append(time.perf_counter() - start)
                out[key] = statistics.median(times) * 1e6
        finally:
            await conn.close()
        return out


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] * 1e3
