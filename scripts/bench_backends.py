"""Database backends and worker processes for the benchmark scripts in this directory.

On PostgreSQL, every run gets a scratch database of its own on the server it is
given (created, then dropped), and may have its jobs run by `fedi serve --role
worker` processes on that database (WorkerProcesses, fresh_run). Without a
server URL, a run keeps its data in a SQLite file instead (scratch_database).

Also here: the one-line description of the backend printed with each run
(backend_summary), the cost of one round trip to it (round_trip_us), and the CPU
time of a run, split between this process, its worker processes and the
PostgreSQL server (Cpu, Run.cpu).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench_common import (
    LOOPBACK,
    Instance,
    config_data,
    free_port,
    is_postgresql,
    make_config,
    process_cpu_seconds,
    sqlite_round_trip_us,
    start_instance,
    stop_instance,
)


# --------------------------------------------------------------------------- databases


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the server of `server_url`."""
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


async def fresh_postgresql(server_url: str, name: str) -> str:
    """A new, empty PostgreSQL database `name` on the server of `server_url` (dropped first if a
    previous run left it); returns its URL. fedi migrates it when it opens it."""
    import asyncpg

    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return database_url(server_url, name)


async def postgresql_copy(sqlite_path: str, server_url: str, name: str) -> str:
    """A new PostgreSQL database `name` on the server of `server_url` (dropped first if a
    previous run left it), holding a copy of the SQLite database; returns its URL."""
    import asyncpg

    from fedi.storage.copy import copy_sqlite_to_postgresql

    url = await fresh_postgresql(server_url, name)
    await copy_sqlite_to_postgresql(sqlite_path, url, progress=lambda line: None)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return url


async def drop_postgresql(server_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def scratch_database(server_url: str, name: str, directory: str):
    """Where one run keeps its data: the SQLite file `name`.sqlite3 in `directory`, or, given
    a server URL, a fresh PostgreSQL database `name` on that server, dropped afterwards."""
    if not server_url:
        yield os.path.join(directory, f"{name}.sqlite3")
        return
    url = await fresh_postgresql(server_url, name)
    try:
        yield url
    finally:
        await drop_postgresql(server_url, name)


async def postgresql_version(server_url: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(server_url)
    try:
        return await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()


async def backend_summary(server_url: str) -> str:
    """'SQLite', or the PostgreSQL server's version and where its scratch databases go."""
    if not server_url:
        return "SQLite (a file in a temporary directory)"
    from urllib.parse import urlsplit

    where = urlsplit(server_url)
    return (f"PostgreSQL {await postgresql_version(server_url)} on {where.hostname}:{where.port or 5432} "
            "(a scratch database per run, dropped afterwards)")


async def round_trip_us(server_url: str = "", samples: int = 400) -> tuple[str, float]:
    """(what, median cost of one trivial call in microseconds): with a PostgreSQL server URL,
    `SELECT 1` on a connection of its own (the network and server round trip); otherwise
    one aiosqlite call (sqlite_round_trip_us)."""
    if not server_url:
        return "aiosqlite", await sqlite_round_trip_us(samples)
    import asyncpg

    conn = await asyncpg.connect(server_url)
    try:
        times = []
        for _ in range(samples):
            start = time.perf_counter()
            await conn.fetchval("SELECT 1")
            times.append(time.perf_counter() - start)
    finally:
        await conn.close()
    return "PostgreSQL", statistics.median(times[samples // 4:]) * 1e6


async def postgresql_cpu_seconds(server_url: str, name: str) -> float:
    """CPU time of the PostgreSQL server processes serving database `name` right now (NaN when
    the server is not on this machine or its processes cannot be read). Compare two readings
    of the same connections: pooled connections live as long as the run."""
    from urllib.parse import urlsplit

    import asyncpg

    if urlsplit(server_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        return float("nan")
    conn = await asyncpg.connect(server_url)
    try:
        pids = [r[0] for r in await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)]
    finally:
        await conn.close()
    readings = [cpu for cpu in map(process_cpu_seconds, pids) if not math.isnan(cpu)]
    return sum(readings) if readings else float("nan")


# --------------------------------------------------------------------------- worker processes


def toml_text(data: dict) -> str:
    """A config file for sections of strings, numbers, booleans and lists of strings."""
    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(json.dumps(x) for x in v) + "]"
        return json.dumps(v)  # a JSON string is a valid TOML basic string

    return "".join(f"[{name}]\n" + "".join(f"{k} = {value(v)}\n" for k, v in section.items()) + "\n"
                   for name, section in data.items())


class WorkerProcesses:
    """`count` processes running `python -m fedi --config FILE serve --role worker`, the job
    queues of an instance whose database is PostgreSQL.

    The config file is written to `directory` from `config` (config_data's sections: the
    benchmark's own instance reads the same settings). Each process logs warnings and errors
    to a file of its own there and answers GET /health on a port of its own; start() returns
    once every one answers (the queues are running and listening for new jobs).
    """

    def __init__(self, directory: str, config: dict, count: int):
        if not is_postgresql(config["database"].get("url", "")):
            raise ValueError("worker processes share the instance's database: it must be PostgreSQL")
        self.dir = Path(directory)
        self.count = count
        self.config_path = self.dir / "worker.toml"
        self.config_path.write_text(toml_text({**config, "media": {"dir": "media"}}), encoding="utf-8")
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    async def start(self, timeout: float = 60.0) -> None:
        import aiohttp

        ports = []
        for k in range(self.count):
            ports.append(free_port())
            self.logs.append(self.dir / f"worker-{k}.log")
            with open(self.logs[-1], "w", encoding="utf-8") as log:
                self.procs.append(subprocess.Popen(
                    [sys.executable, "-m", "fedi", "--config", str(self.config_path), "serve", "--role", "worker",
                     "--health-port", str(ports[-1])],
                    stdout=log, stderr=subprocess.STDOUT, cwd=self.dir, env={**os.environ, "FEDI_LOG": "WARNING"}))
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            for proc, port, log in zip(self.procs, ports, self.logs):
                while True:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
                        raise RuntimeError(f"a worker process did not start (exit code {proc.poll()}):\n{tail}")
                    try:
                        async with session.get(f"http://{LOOPBACK}:{port}/health") as resp:
                            if resp.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.05)

    def log_counts(self) -> dict[str, int]:
        """Their log records, counted by level, logger and first line (as LogCounter does)."""
        import re

        counts: dict[str, int] = {}
        line_re = re.compile(r"^\S+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+): (.*)$")
        for log in self.logs:
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
                match = line_re.match(line)
                if match:
                    key = f"{match[1]} {match[2]}: {re.sub(r'[0-9]+', 'N', match[3])[:90]}"
                    counts[key] = counts.get(key, 0) + 1
        return counts

    async def stop(self, timeout: float = 10.0) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                await asyncio.to_thread(proc.wait, timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait)


def where(procs: int) -> str:
    """Where a run's jobs run: "in-process", or in how many worker processes."""
    return f"{procs} worker process{'es' if procs > 1 else ''}" if procs else "in-process"


@dataclass
class Cpu:
    """CPU seconds of this process, of each worker process and of the PostgreSQL server's
    processes for a run's database (NaN on SQLite, or with the server on another machine).
    Subtract two readings for the CPU in between."""

    own: float
    workers: tuple[float, ...]
    pg: float

    def __sub__(self, other: "Cpu") -> "Cpu":
        return Cpu(self.own - other.own, tuple(a - b for a, b in zip(self.workers, other.workers)),
                   self.pg - other.pg)

    @property
    def fedi(self) -> float:
        return self.own + sum(self.workers)

    def describe(self) -> str:
        text = f"fedi CPU {self.fedi:.2f} s"
        if self.workers:
            each = " + ".join(f"{w:.2f}" for w in self.workers)
            text += f" ({self.own:.2f} s here, {each} s in the worker processes)"
        return text + ("" if math.isnan(self.pg) else f", PostgreSQL CPU {self.pg:.2f} s")


class Run:
    """One measured run (see fresh_run): `inst`, the instance served by this process, and
    `workers`, the worker processes running its jobs (None when it runs them itself)."""

    def __init__(self, inst: Instance, workers: WorkerProcesses | None, server_url: str, name: str):
        self.inst, self.workers, self.server_url, self.name = inst, workers, server_url, name
        self.worker_logs: dict[str, int] = {}  # their log records, once they have stopped

    async def cpu(self) -> Cpu:
        own = time.process_time()
        workers = tuple(map(process_cpu_seconds, (p.pid for p in self.workers.procs))) if self.workers else ()
        pg = await postgresql_cpu_seconds(self.server_url, self.name) if self.server_url else float("nan")
        return Cpu(own, workers, pg)


@contextlib.asynccontextmanager
async def fresh_run(server_url: str, name: str, base_url: str, port: int, procs: int = 0, **sections):
    """A fresh instance on 127.0.0.1:port for one run, on a scratch database (scratch_database;
    `name` is the PostgreSQL database's). With `procs`, its jobs run in that many worker
    processes on the same (PostgreSQL) database instead of in this process. The config's
    sections are config_data's; the workers read the same."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix=f"{name}-") as tmp:
        async with scratch_database(server_url, name, tmp) as target:
            inst = await start_instance(make_config(base_url, target, **sections), port, run_workers=not procs)
            workers = WorkerProcesses(tmp, config_data(base_url, target, **sections), procs) if procs else None
            run = Run(inst, workers, server_url, name)
            try:
                if workers:
                    await workers.start()
                yield run
            finally:
                if workers:
                    await workers.stop()
                    run.worker_logs = {f"[worker] {k}": n for k, n in workers.log_counts().items()}
                await stop_instance(inst)


def add_arguments(parser, scratch: str, jobs: str) -> None:
    """--database-url and --worker-processes, as the inbound and fan-out benchmarks take them
    (`scratch`: the scratch database's name; `jobs`: what worker processes run)."""
    parser.add_argument("--database-url", default="",
                        help="run on PostgreSQL: a postgresql:// URL of a database on the server where the "
                             f"benchmark may create (and drop) its scratch databases {scratch}*")
    parser.add_argument("--worker-processes", type=lambda s: [int(x) for x in s.split(",")], default=None,
                        metavar="N[,N...]",
                        help=f"{jobs} in N `fedi serve --role worker` processes (PostgreSQL only), for each "
                             "N listed (e.g. 1,2); default: in the benchmark's process")


def check_arguments(parser, args) -> None:
    if args.worker_processes and (not args.database_url or min(args.worker_processes) < 1):
        parser.error("--worker-processes needs --database-url and counts of at least 1")

