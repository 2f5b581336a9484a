"""Helpers shared by the benchmark scripts in this directory.

The benchmarks are scripts, not tests: they start real fedi instances on
127.0.0.1, drive them, and print their figures next to a baseline measured in
the same run, so that the ratios stay comparable between machines.

Here: the machine's summary and load, process CPU time, free ports, instances
and their config, bulk inserts, keys, waiting, medians, tables and log counts.
Scratch PostgreSQL databases, worker processes and the per-run plumbing built on
them (fresh_run) are in bench_backends.
"""

from __future__ import annotations

import asyncio
import math
import os
import platform
import socket
import statistics
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from aiohttp import web

LOOPBACK = "127.0.0.1"


# --------------------------------------------------------------------------- machine


def machine_summary() -> str:
    """One line describing the machine and the library versions in use."""
    import sqlite3

    import aiohttp
    import aiosqlite
    import cryptography

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        from importlib.metadata import version

        nh3_version = version("nh3")
    except Exception:  # noqa: BLE001
        nh3_version = "?"
    return (
        f"{cores} cores ({model}), Python {platform.python_version()}, aiohttp {aiohttp.__version__}, "
        f"aiosqlite {aiosqlite.__version__}, SQLite {sqlite3.sqlite_version}, "
        f"cryptography {cryptography.__version__}, nh3 {nh3_version}"
    )


def load_average() -> str:
    """The 1-minute load average, to spot a run disturbed by other work on the machine."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process of this machine (NaN if it cannot be read)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def sqlite_round_trip_us(samples: int = 400) -> float:
    """Median cost of one aiosqlite call (a round trip to its thread), in microseconds.

    fedi pays this once or more per SQL statement. On virtual machines it depends
    on whether the other vCPU is awake, so it is printed with every run.
    """
    import aiosqlite

    conn = await aiosqlite.connect(":memory:")
    try:
        times = []
        for _ in range(samples):
            start = time.perf_counter()
            await conn.execute_fetchall("SELECT 1")
            times.append(time.perf_counter() - start)
    finally:
        await conn.close()
    return statistics.median(times[samples // 4:]) * 1e6


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct TCP ports on 127.0.0.1 that nothing listens on right now."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in socks:
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


# --------------------------------------------------------------------------- instances


@dataclass
class Instance:
    app: web.Application
    web_runner: web.AppRunner
    port: int

    @property
    def state(self):
        from fedi.appkeys import STATE

        return self.app[STATE]

    @property
    def store(self):
        return self.state.store

    @property
    def database(self):
        return self.store.database

    @property
    def jobs_runner(self):
        from fedi.appkeys import RUNNER

        return self.app[RUNNER]


def is_postgresql(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def config_data(base_url: str, target: str, **sections) -> dict:
    """The configuration of a benchmark instance, as the sections of a config file."""
    return {
        "instance": {"base_url": base_url, "name": "bench"},
        "database": {"url": target} if is_postgresql(target) else {"path": target},
        **sections,
        "federation": {"allow_private_addresses": True, **sections.get("federation", {})},
    }


def make_config(base_url: str, db_path: str, **sections):
    from fedi.config import from_dict

    return from_dict(config_data(base_url, db_path, **sections))


async def start_instance(config, port: int, *, resolver=None, run_workers: bool = True) -> Instance:
    """create_app(config) served by an AppRunner/TCPSite on 127.0.0.1:port, the garbage
    collector tuned as `fedi serve` tunes it."""
    from fedi.app import create_app, tune_collector

    app = create_app(config, resolver=resolver, run_workers=run_workers)
    tune_collector()
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, LOOPBACK, port, reuse_address=True, backlog=1024)
    await site.start()
    return Instance(app=app, web_runner=runner, port=port)


async def stop_instance(instance: Instance) -> None:
    await instance.web_runner.cleanup()


async def bulk_insert(store, table: str, records: Iterable, exclude: tuple[str, ...] = ()) -> int:
    """Insert records (fedi.models dataclasses) with one executemany on the writer."""
    from fedi.storage.sqlite.rows import to_row

    rows = [to_row(r, exclude=exclude) for r in records]
    if not rows:
        return 0
    cols = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
    await store.database.executemany(sql, [tuple(r[c] for c in cols) for r in rows])
    return len(rows)


# --------------------------------------------------------------------------- keys


def generate_rsa_keys(count: int) -> list[tuple[str, str]]:
    """(private PEM, public PEM) pairs, RSA-2048 as fedi generates them."""
    from fedi.activitypub.keys import generate_keypair

    return [generate_keypair() for _ in range(count)]


# --------------------------------------------------------------------------- timing


async def wait_until(predicate: Callable[[], Awaitable[bool]], timeout: float,
                     interval: float = 0.01) -> float | None:
    """Poll until predicate() is true; the monotonic time it first was, or None on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        if await predicate():
            return time.monotonic()
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(interval)


def median(values: list[float]) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def print_table(headers: list[str], rows: list[list]) -> None:
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  " + "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _fmt(value) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


class LogCounter:
    """Counts log records (by logger and first line) instead of printing them.

    Expected failures (dead peers in the fan-out run, lock contention) would
    otherwise bury the figures under tracebacks; the counts are printed instead.
    """

    def __init__(self) -> None:
        import logging

        self.counts: dict[str, int] = {}
        counter = self

        class _Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                import re

                text = re.sub(r"\d+", "N", record.getMessage().splitlines()[0])[:90]
                if record.exc_info and record.exc_info[1] is not None:
                    exc = record.exc_info[1]
                    text += f" [{type(exc).__name__}: {str(exc)[:60]}]"
                key = f"{record.levelname} {record.name}: {text}"
                counter.counts[key] = counter.counts.get(key, 0) + 1

        root = logging.getLogger()
        root.handlers[:] = [_Handler()]
        root.setLevel(logging.WARNING)

    def take(self) -> dict[str, int]:
        counts, self.counts = self.counts, {}
        return counts


def summarize_logs(counts: dict[str, int], limit: int = 6) -> str:
    if not counts:
        return "none"
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:limit]
    return "; ".join(f"{n:,} x {key}" for key, n in top)
