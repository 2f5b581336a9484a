"""Home timeline: GET /api/v1/timelines/home?limit=20 at 100k and 1M statuses.

For each size N a SQLite database is built in a temporary directory. The schema comes
from fedi's own migrations (the store is opened once, and the reader account is
created with services.accounts.create_local); everything else is bulk-inserted
straight into SQLite with executemany in one transaction, with
PRAGMA synchronous=OFF on the build connection only:

  accounts   1 local reader + 5,000 authors (every fourth one local)
  follows    the reader follows 500 of the authors (about 125 local, 375 remote);
             every author follows 10 others; 200 authors follow the reader
  statuses   N, spread over 180 days, time-sortable ids (fedi.ids.new_id(at=...)):
             about 80% posts (80% public, 10% unlisted, 10% private),
             10% replies to a recent status, 10% boosts of a recent public post;
             the reader wrote 50 of them
  mentions, status_tags, favourites (about N/10), bookmarks of the reader
  feeds      the reader's home feed rows, as fan-out writes them: every status by
             a followed author or by the reader (about N/10 rows)

With --database-url, each database is then copied with fedi's own `db copy` into
a scratch PostgreSQL database (fedi_bench_timeline_N) created on that server and
dropped at the end (the given database itself is not touched), and served from
there. Then the real app (fedi.app.create_app, job workers off) serves each
database on 127.0.0.1; all sizes are built and served before measuring. A load
generator in a separate process (a minimal keep-alive HTTP/1.1 client, so that
client CPU is not charged to the server) sends:

  latency     --requests sequential requests (concurrency 1) per size for the
              first page, and as many for a deep page (max_id taken from the
              10th page, i.e. 200 statuses down). The sizes take turns in
              --rounds rounds, so that a change in the machine's state affects
              them alike (on a VM the cost of a hop to an aiosqlite thread moves
              between about 16 and 90 us, and a page makes about 150 such hops;
              each round prints that cost, or on PostgreSQL the round trip of a
              SELECT 1).
              "server" is timed by a middleware placed outermost in the app's
              chain (handler and fedi's middlewares; not HTTP parsing or
              writing); "client" is the full round trip.
  throughput  requests/s for --duration seconds at --concurrency (16) for the
              home timeline, and for a hello-world aiohttp app served by the
              same process (the baseline, measured before and after; the mean
              is used); the ratio is home / hello. The client's p50 and p99 at
              that concurrency (each request's round trip, the time it waited
              behind the others included) are printed too.

fedi's client API rate limit (300 requests per 5 minutes per token) is reset
before every request by the timing middleware; its cost is still measured.

Finally, in-process and without HTTP, the first page is broken down: the feed
query, loading the statuses (timelines.visible_statuses), rendering the
entities and json.dumps. Every SQL statement issued on that path is counted and
timed as the request waits for it (a statement run through Database.aggregate
or fetchall waits for an aiosqlite reader thread; on PostgreSQL every one waits
for a pooled connection and the server), and timed again alone ("us alone"): on
a plain SQLite connection in the benchmark's thread, or on a PostgreSQL
connection of its own (round trip included).
With --profile, cProfile prints the top functions of that path at the largest N.

The load average printed with each round includes the benchmark's own
processes (server, reader threads, load generator).

Target (spec): p50 <= 5 ms server-side, flat from 100k to 1M statuses
(here: p50 at the largest N at most FLAT_LIMIT x p50 at the smallest).

Run:  python scripts/bench_timeline.py [--sizes 100000,1000000] [--requests 500]
      [--rounds 10] [--duration 3] [--concurrency 16] [--profile]     (about 90 s)
      [--database-url postgresql://postgres@127.0.0.1:5432/postgres]   (the copy adds minutes at 1M)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_backends as bb
import bench_common as bc
from bench_load import Client, PathRecorder, SqlTally, get_request, pct, start_hello, start_timed
from bench_workload import AUTHORS, FOLLOWED, PAGE, prepare

DATABASE = "fedi_bench_timeline"  # scratch databases on a PostgreSQL server: DATABASE_N
P50_TARGET_MS = 5.0
FLAT_LIMIT = 1.2
HOME = "/api/v1/timelines/home"


# --------------------------------------------------------------------------- in-process breakdown


async def one_path(state, reader, max_id=None) -> tuple[float, float, float, float]:
    """The home handler's work without HTTP: feed query (with the statuses' versions), load,
    render, JSON (as services.timelines.home and the API's home handler do it)."""
    from fedi.api import entities_status
    from fedi.services.reading import visible_statuses

    t0 = time.perf_counter()
    ids, versions = await state.store.feeds.page_versioned(reader.id, max_id=max_id, limit=PAGE)
    t1 = time.perf_counter()
    items = await visible_statuses(state, ids, reader, versions=versions)
    t2 = time.perf_counter()
    docs = await entities_status.statuses(state, items, reader)
    t3 = time.perf_counter()
    json.dumps(docs, ensure_ascii=False)
    t4 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, t4 - t3


async def breakdown(state, reader, rounds: int, target: str) -> dict:
    parts = [[], [], [], []]
    for _ in range(rounds):
        for i, v in enumerate(await one_path(state, reader)):
            parts[i].append(v)
    tally_rounds = max(10, rounds // 4)
    with SqlTally(state.store.database) as tally:
        for _ in range(tally_rounds):
            await one_path(state, reader)
    exec_us = await tally.postgresql_us(target) if bc.is_postgresql(target) else tally.sqlite_us(target)
    sql = sorted(({"kind": k[0], "sql": k[1], "calls": c / tally_rounds, "ms": t / tally_rounds * 1e3,
                   "exec_us": exec_us.get(k, float("nan"))} for k, (c, t) in tally.stats.items()),
                 key=lambda e: -e["ms"])
    return {"feed_ms": statistics.median(parts[0]) * 1e3, "load_ms": statistics.median(parts[1]) * 1e3,
            "render_ms": statistics.median(parts[2]) * 1e3, "json_ms": statistics.median(parts[3]) * 1e3,
            "sql": sql}


async def profile_path(state, reader, rounds: int, top: int = 25) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(rounds):
        await one_path(state, reader)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# --------------------------------------------------------------------------- one size


@dataclass
class Site:
    """One size: its database, its running instance and the requests sent to it."""

    n: int
    tmp: str
    target: str  # the SQLite file or the PostgreSQL database served
    inst: bc.Instance
    recorder: PathRecorder
    reader: object
    home_req: bytes
    deep_req: bytes
    deep_path: str
    info: dict
    samples: dict = field(default_factory=lambda: defaultdict(list))

    @property
    def port(self) -> int:
        return self.inst.port


async def setup_site(args, tmp: str, n: int) -> Site:
    """Build the database for N statuses, serve it, and find the deep page."""
    import aiohttp

    from fedi.services.accounts import create_token

    port = bc.free_port()
    base = f"http://{bc.LOOPBACK}:{port}"
    path, reader_info, info, build_s = await prepare(tmp, base, n)
    info["build_s"] = build_s
    print(f"N={n:,}: built in {build_s:.1f} s ({info['db_mb']:,.0f} MB; {info['feed_rows']:,} feed rows, "
          f"{info['follows']:,} follows, {info['favourites']:,} favourites, {info.get('replies', 0):,} replies, "
          f"{info.get('boosts', 0):,} boosts)", flush=True)
    target = path
    if args.database_url:
        started = time.perf_counter()
        target = await bb.postgresql_copy(path, args.database_url, f"{DATABASE}_{n}")
        print(f"  copied to PostgreSQL in {time.perf_counter() - started:.1f} s", flush=True)
    recorder = PathRecorder()
    inst = await start_timed(bc.make_config(base, target), port, recorder)
    state = inst.state
    reader = await state.store.accounts.get(reader_info["id"])
    token = await create_token(state, reader, "read")
    first = f"{HOME}?limit={PAGE}"
    url = base + first
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        for _ in range(10):  # follow the `next` links of ten pages
            async with session.get(url) as resp:
                assert resp.status == 200, (resp.status, await resp.text())
                body = await resp.json()
                assert len(body) == PAGE, len(body)
                url = str(resp.links["next"]["url"])
    deep = url[len(base):]
    recorder.take(HOME)
    return Site(n=n, tmp=tmp, target=target, inst=inst, recorder=recorder, reader=reader,
                home_req=get_request(port, first, token), deep_req=get_request(port, deep, token),
                deep_path=deep, info=info)


async def stop_site(site: Site) -> None:
    await bc.stop_instance(site.inst)
    for f in os.listdir(site.tmp):
        if f.startswith(f"fedi-{site.n}."):
            os.remove(os.path.join(site.tmp, f))


async def latency_round(client: Client, site: Site, count: int) -> None:
    """`count` sequential requests for the first page, then for the deep page."""
    for page, request in (("first", site.home_req), ("deep", site.deep_req)):
        site.recorder.take(HOME)
        times, statuses = await client.call("latency", site.port, request, count)
        site.samples[f"{page}_client"] += times
        site.samples[f"{page}_server"] += site.recorder.take(HOME)
        for status, k in statuses.items():
            site.samples["statuses"].append((page, status, k))


def summarize(site: Site, hop_us: list[float]) -> dict:
    s = site.samples
    r = {"n": site.n, **site.info, "deep_path": site.deep_path, "hop_us": bc.median(hop_us)}
    for page, key in (("first", ""), ("deep", "d")):
        for q in (50, 95, 99):
            r[f"{key or 'p'}{q}"] = pct(s[f"{page}_server"], q)
        r[f"{key}c50"] = pct(s[f"{page}_client"], 50)
    return r


def print_sql(result: dict, top: int) -> None:
    sql = result["breakdown"]["sql"]
    total_calls = sum(e["calls"] for e in sql)
    total_ms = sum(e["ms"] for e in sql)
    print(f"\nSQL per first-page render at N={result['n']:,} (in-process, mean of the tallied renders): "
          f"{total_calls:.0f} statements, {total_ms:.2f} ms of waiting for them")
    rows = []
    for e in sql[:top]:
        rows.append([e["sql"][:84], e["kind"], e["calls"], e["ms"], e["ms"] / e["calls"] * 1e3,
                     e["exec_us"]])
    bc.print_table(["statement", "via", "per page", "ms per page", "us each", "us alone"], rows)
    by_kind: dict = defaultdict(lambda: [0.0, 0.0])
    for e in sql:
        by_kind[e["kind"]][0] += e["calls"]
        by_kind[e["kind"]][1] += e["ms"]
    print("  by method: " + "; ".join(f"{k} {c:.0f} calls {t:.2f} ms" for k, (c, t) in sorted(by_kind.items())))


async def main_async(args) -> int:
    logs = bc.LogCounter()
    print(f"machine: {bc.machine_summary()}")
    print(f"database: {await bb.backend_summary(args.database_url)}")
    print(f"workload: reader follows {FOLLOWED} of {AUTHORS:,} authors; page of {PAGE}; "
          f"{args.requests} sequential requests per page and size in {args.rounds} interleaved rounds; "
          f"throughput {args.duration:.0f} s at concurrency {args.concurrency}", flush=True)
    started = time.perf_counter()
    client = Client()
    hello_port = bc.free_port()
    hello = await start_hello(hello_port)
    hello_req = get_request(hello_port, "/")
    results, sites = [], []
    what = "PostgreSQL" if args.database_url else "aiosqlite"
    try:
        with tempfile.TemporaryDirectory(prefix="fedi-bench-timeline-") as tmp:
            try:
                for n in args.sizes:
                    sites.append(await setup_site(args, tmp, n))
                for site in sites:  # warm-up, not counted
                    await client.call("latency", site.port, site.home_req, args.warmup)
                    await client.call("latency", site.port, site.deep_req, args.warmup // 2)
                # Latency: the sizes take turns, so that a change in the machine's state
                # (the cost of a thread hop moves a lot on a VM) affects them alike.
                hops = []
                per_round = max(1, args.requests // args.rounds)
                for rnd in range(args.rounds):
                    _, hop = await bb.round_trip_us(args.database_url)
                    hops.append(hop)
                    line = []
                    for site in sites:
                        before = len(site.samples["first_server"])
                        await latency_round(client, site, per_round)
                        line.append(f"N={site.n:,} {pct(site.samples['first_server'][before:], 50):.2f}")
                    print(f"  round {rnd + 1} (load average {bc.load_average()}, {what} round trip "
                          f"{hops[-1]:.0f} us): first page server p50 ms: {', '.join(line)}", flush=True)
                hello_times, _ = await client.call("latency", hello_port, hello_req, args.requests)
                results = [summarize(site, hops) for site in sites]
                for r in results:
                    r["hello_c50"] = pct(hello_times, 50)

                # Throughput: hello world before and after each size.
                for site, r in zip(sites, results):
                    h1, h1_s, st_h1, _ = await client.call("throughput", hello_port, hello_req,
                                                        args.concurrency, args.duration)
                    site.recorder.take(HOME)
                    cpu0 = time.process_time()
                    done, done_s, st, waits = await client.call("throughput", site.port, site.home_req,
                                                         args.concurrency, args.duration)
                    cpu = time.process_time() - cpu0
                    under_load = site.recorder.take(HOME)
                    h2, h2_s, st_h2, _ = await client.call("throughput", hello_port, hello_req,
                                                        args.concurrency, args.duration)
                    r.update({"rps": done / done_s, "hello_rps": (h1 / h1_s + h2 / h2_s) / 2,
                              "tp_p50": pct(under_load, 50), "cpu_ms": cpu / max(1, done) * 1e3,
                              "load_p50": pct(waits, 50), "load_p99": pct(waits, 99)})
                    r["ratio"] = r["rps"] / r["hello_rps"]
                    for status, k in {**st, **st_h1, **st_h2}.items():
                        site.samples["statuses"].append(("throughput", status, k))
                    print(f"  throughput N={site.n:,}: home {r['rps']:,.0f} req/s at concurrency "
                          f"{args.concurrency} (client p50 / p99 {r['load_p50']:.1f} / {r['load_p99']:.1f} ms, server p50 "
                          f"{r['tp_p50']:.1f} ms, {r['cpu_ms']:.2f} ms "
                          f"CPU per request, all threads), hello world {h1 / h1_s:,.0f} / {h2 / h2_s:,.0f} req/s "
                          f"before / after, ratio {r['ratio']:.4f}", flush=True)

                for site, r in zip(sites, results):
                    bd = await breakdown(site.inst.state, site.reader, args.breakdown_rounds, site.target)
                    r["breakdown"] = bd
                    print(f"  in-process path N={site.n:,} (median of {args.breakdown_rounds}): feed query "
                          f"{bd['feed_ms']:.3f} ms, load statuses {bd['load_ms']:.2f} ms, render entities "
                          f"{bd['render_ms']:.2f} ms, json.dumps {bd['json_ms']:.2f} ms", flush=True)
                if args.profile:
                    print(await profile_path(sites[-1].inst.state, sites[-1].reader, args.profile_rounds))
            finally:
                for site in sites:
                    await stop_site(site)
                for n in args.sizes if args.database_url else ():
                    await bb.drop_postgresql(args.database_url, f"{DATABASE}_{n}")
    finally:
        await hello.cleanup()
        client.close()

    print("\nsummary (server-side = timed by an outermost middleware; client = full round trip, at"
          f" concurrency {args.concurrency} too, queueing included; ms):")
    bc.print_table(
        ["N statuses", "p50", "p95", "p99", "client p50", "deep p50", "deep p95", "deep p99",
         f"req/s (c{args.concurrency})", f"p99 at c{args.concurrency}", "hello req/s", "x hello"],
        [[r["n"], r["p50"], r["p95"], r["p99"], r["c50"], r["d50"], r["d95"], r["d99"], r["rps"],
          r["load_p99"], r["hello_rps"], f"{r['ratio']:.4f}"] for r in results],
    )
    lo, hi = results[0], results[-1]
    flat, flat_deep = hi["p50"] / lo["p50"], hi["d50"] / lo["d50"]
    print(f"  hello world round trip p50 (client, concurrency 1): {lo['hello_c50']:.2f} ms; "
          f"{what} round trip (median of the rounds): {lo['hop_us']:.0f} us")
    print(f"  flatness p50({hi['n']:,}) / p50({lo['n']:,}): first page {flat:.2f}, deep page {flat_deep:.2f} "
          f"(flat: <= {FLAT_LIMIT})")
    met = all(r["p50"] <= P50_TARGET_MS for r in results)
    per_size = ", ".join(f"{r['p50']:.2f} ms at {r['n']:,}" for r in results)
    print(f"  target p50 <= {P50_TARGET_MS:.0f} ms server-side: {'met' if met else 'MISSED'} ({per_size}); "
          f"flat: {'met' if flat <= FLAT_LIMIT else 'MISSED'}")
    print("  in-process split of the first page (ms): " + "; ".join(
        f"N={r['n']:,}: feed query {r['breakdown']['feed_ms']:.3f}, load {r['breakdown']['load_ms']:.2f}, "
        f"render {r['breakdown']['render_ms']:.2f}, json {r['breakdown']['json_ms']:.2f}" for r in results))
    for r in results:
        print_sql(r, args.sql_top)
    print(f"\nlog records: {bc.summarize_logs(logs.take())}")
    print(f"total time {time.perf_counter() - started:.0f} s")
    bad = [(site.n, page, status, k) for site in sites for page, status, k in site.samples["statuses"]
           if status != 200]
    if bad:
        print(f"  WARNING: responses other than 200: {bad}")
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[100_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=500, help="sequential requests per page")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved latency rounds")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per throughput measurement")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--breakdown-rounds", type=int, default=100)
    parser.add_argument("--sql-top", type=int, default=14)
    parser.add_argument("--profile", action="store_true", help="cProfile the path at the largest N")
    parser.add_argument("--profile-rounds", type=int, default=100)
    parser.add_argument("--database-url", default="",
                        help="serve from PostgreSQL: a postgresql:// URL of a database on the server where "
                             f"the benchmark may create (and drop) a database per size ({DATABASE}_N); the "
                             "workload is built in SQLite and copied with fedi's own `db copy`")
    args = parser.parse_args()
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
