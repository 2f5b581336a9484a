"""Every list a Mastodon app reads, over HTTP, at 100k and 1M statuses.

The workload is bench_workload's, as bench_timeline uses it (5,000 authors, the reader
follows 500, N statuses over 180 days, the reader's home feed), plus, for the reader, a
list of 60 of the accounts it follows and 2,000 notifications (favourites, boosts,
mentions, follows) from random accounts. The real app (fedi.app.create_app, job workers
off) serves each database on 127.0.0.1; a load generator in its own process (bench_load's
minimal keep-alive client) sends, for every page:

  latency      --requests sequential requests; "server" is timed by a middleware placed
               outermost in the app's chain (not HTTP parsing or writing)
  throughput   requests/s for --duration seconds at --concurrency (16)
  statements   SQL statements per request (every statement of the request: the token
               check and the rate limit too), counted in-process over 10 requests
  CPU          process CPU per request during the throughput run (server and its threads)

A hello-world aiohttp app served by the same process is measured before and after
each size; the mean is the baseline, and every page's throughput is printed as a
ratio to it.

Pages: home, home paged (the first 64 pages of the home feed in turn, by max_id: pages of
different lengths of lists, as real readers make them), public (local), public (federated),
list, notifications, grouped notifications (v2), an account's statuses, a hashtag.

Run:  python scripts/bench_pages.py [--sizes 100000,1000000] [--requests 200] [--database-url URL]
      [--duration 3] [--concurrency 16] [--pages list,grouped]          (about 3 minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_backends as bb  # noqa: E402
import bench_common as bc  # noqa: E402
import bench_load as bl  # noqa: E402
import bench_workload as bw  # noqa: E402

LIST_MEMBERS = 60
NOTIFICATIONS = 2000
NOTIFICATION_TYPES = ("favourite", "reblog", "mention", "follow")
CURSORS = 64


def add_list_and_notifications(path: str, reader_id: str, seed: int = 2) -> dict:
    """A list of followed accounts and a history of notifications for the reader."""
    from fedi.ids import new_id

    rnd = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    followed = [r[0] for r in conn.execute("SELECT target_id FROM follows WHERE follower_id = ?", (reader_id,))]
    list_id = new_id()
    conn.execute("INSERT INTO lists (id, account_id, title) VALUES (?, ?, ?)", (list_id, reader_id, "Close"))
    conn.executemany("INSERT INTO list_accounts (list_id, account_id) VALUES (?, ?)",
                     [(list_id, a) for a in rnd.sample(followed, min(LIST_MEMBERS, len(followed)))])
    own = [r[0] for r in conn.execute(
        "SELECT id FROM statuses WHERE account_id = ? AND reblog_of_id IS NULL", (reader_id,))]
    recent = [r[0] for r in conn.execute(
        "SELECT id FROM statuses WHERE reblog_of_id IS NULL ORDER BY id DESC LIMIT 5000")]
    senders = [r[0] for r in conn.execute("SELECT id FROM accounts WHERE id != ? LIMIT 5000", (reader_id,))]
    now = time.time()
    rows = []
    for k in range(NOTIFICATIONS):
        at = now - (NOTIFICATIONS - k) * 60
        kind = NOTIFICATION_TYPES[k % len(NOTIFICATION_TYPES)]
        status = None if kind == "follow" else rnd.choice(recent if kind == "mention" else own)
        rows.append((new_id(at=at), reader_id, kind, rnd.choice(senders), status, at))
    conn.executemany("INSERT INTO notifications (id, account_id, type, from_account_id, status_id, created_at) "
                     "VALUES (?,?,?,?,?,?)", rows)
    author = conn.execute("SELECT account_id FROM statuses GROUP BY account_id ORDER BY count(*) DESC "
                          "LIMIT 1").fetchone()[0]
    tag = conn.execute("SELECT name FROM status_tags GROUP BY name ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    feed = [r[0] for r in conn.execute(
        "SELECT status_id FROM feeds WHERE account_id = ? ORDER BY status_id DESC LIMIT ?",
        (reader_id, CURSORS * bw.PAGE))]
    conn.execute("COMMIT")
    conn.close()
    return {"list_id": list_id, "author_id": author, "tag": tag, "cursors": feed[bw.PAGE - 1::bw.PAGE]}


def pages(extra: dict) -> dict[str, str]:
    limit = f"limit={bw.PAGE}"
    return {
        "home": f"/api/v1/timelines/home?{limit}",
        # The first CURSORS pages of the home feed, in turn: pages of different shapes.
        "home, paged": [f"/api/v1/timelines/home?{limit}&max_id={c}" for c in extra["cursors"]],
        "public (local)": f"/api/v1/timelines/public?local=true&{limit}",
        "public (federated)": f"/api/v1/timelines/public?{limit}",
        "list": f"/api/v1/timelines/list/{extra['list_id']}?{limit}",
        "notifications": f"/api/v1/notifications?{limit}",
        "notifications (grouped)": f"/api/v2/notifications?{limit}",
        "account statuses": f"/api/v1/accounts/{extra['author_id']}/statuses?{limit}",
        "hashtag": f"/api/v1/timelines/tag/{extra['tag']}?{limit}",
    }


async def statements_per_request(inst: bc.Instance, path: str, token: str, rounds: int = 10) -> float:
    import aiohttp

    url = f"http://{bc.LOOPBACK}:{inst.port}{path}"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        async with session.get(url) as resp:  # warm, and check
            body = await resp.json()
            assert resp.status == 200 and body, (path, resp.status, body)
        with bl.SqlTally(inst.state.store.database) as tally:
            for _ in range(rounds):
                async with session.get(url) as resp:
                    await resp.read()
    return sum(c for c, _ in tally.stats.values()) / rounds


async def measure_size(args, client: bl.Client, tmp: str, n: int, hello_port: int) -> list[dict]:
    from fedi.services.accounts import create_token

    port = bc.free_port()
    base = f"http://{bc.LOOPBACK}:{port}"
    path, reader_info, info, build_s = await bw.prepare(tmp, base, n)
    extra = await asyncio.to_thread(add_list_and_notifications, path, reader_info["id"])
    print(f"N={n:,}: built in {build_s:.1f} s ({info['db_mb']:,.0f} MB)", flush=True)
    if args.database_url:
        started = time.perf_counter()
        path = await bb.postgresql_copy(path, args.database_url, f"fedi_bench_pages_{n}")
        print(f"  copied to PostgreSQL in {time.perf_counter() - started:.1f} s", flush=True)
    recorder = bl.PathRecorder()
    inst = await bl.start_timed(bc.make_config(base, path), port, recorder)
    hello_req = bl.get_request(hello_port, "/")
    rows = []
    try:
        reader = await inst.state.store.accounts.get(reader_info["id"])
        token = await create_token(inst.state, reader, "read")
        h1, h1_s, _, _ = await client.call("throughput", hello_port, hello_req, args.concurrency, args.duration)
        for name, page in pages(extra).items():
            if args.pages and not any(want in name for want in args.pages):
                continue
            first = page if isinstance(page, str) else page[0]
            statements = await statements_per_request(inst, first, token)
            request = bl.get_request(port, page, token) if isinstance(page, str) else \
                [bl.get_request(port, p, token) for p in page]
            await client.call("latency", port, request, args.warmup)
            recorder.take(first)
            _, statuses = await client.call("latency", port, request, args.requests)
            server = recorder.take(first)
            cpu0 = time.process_time()
            done, done_s, st, waits = await client.call("throughput", port, request, args.concurrency,
                                                         args.duration)
            cpu = time.process_time() - cpu0
            recorder.take(first)
            bad = {k: v for k, v in {**statuses, **st}.items() if k != 200}
            rows.append({"n": n, "page": name, "p50": bl.pct(server, 50), "p99": bl.pct(server, 99),
                         "rps": done / done_s, "cpu_ms": cpu / max(1, done) * 1e3,
                         "load_p99": bl.pct(waits, 99),
                         "statements": statements, "bad": bad})
            print(f"  N={n:,} {name}: p50 {rows[-1]['p50']:.2f} ms, {rows[-1]['rps']:,.0f} req/s, "
                  f"{statements:.0f} statements (load average {bc.load_average()})", flush=True)
        h2, h2_s, _, _ = await client.call("throughput", hello_port, hello_req, args.concurrency, args.duration)
        hello = (h1 / h1_s + h2 / h2_s) / 2
        for row in rows:
            row["hello"] = hello
            row["ratio"] = row["rps"] / hello
    finally:
        await bc.stop_instance(inst)
        if args.database_url:
            await bb.drop_postgresql(args.database_url, f"fedi_bench_pages_{n}")
    return rows


async def main_async(args) -> int:
    print(f"machine: {bc.machine_summary()}; database: {'PostgreSQL' if args.database_url else 'SQLite'}")
    started = time.perf_counter()
    client = bl.Client()
    hello_port = bc.free_port()
    hello = await bl.start_hello(hello_port)
    results = []
    try:
        for n in args.sizes:
            with tempfile.TemporaryDirectory(prefix="fedi-bench-pages-") as tmp:
                results += await measure_size(args, client, tmp, n, hello_port)
    finally:
        await hello.cleanup()
        client.close()
    print(f"\nsummary (server-side p50/p99 in ms, sequential; throughput and the clients' p99 at "
          f"concurrency {args.concurrency}, queueing included; CPU per request in ms, all threads):")
    bc.print_table(["N statuses", "page", "p50", "p99", "req/s", "p99 loaded", "CPU ms", "statements",
                    "hello req/s", "x hello"],
                   [[r["n"], r["page"], r["p50"], r["p99"], r["rps"], r["load_p99"], r["cpu_ms"],
                     r["statements"], r["hello"], f"{r['ratio']:.4f}"] for r in results])
    if len(args.sizes) > 1:
        lo, hi = args.sizes[0], args.sizes[-1]
        by = {(r["n"], r["page"]): r for r in results}
        flat = [f"{page} {by[(hi, page)]['p50'] / by[(lo, page)]['p50']:.2f}"
                for page in dict.fromkeys(r["page"] for r in results)]
        print(f"  flatness p50({hi:,}) / p50({lo:,}): " + ", ".join(flat))
    print(f"total time {time.perf_counter() - started:.0f} s")
    bad = [(r["n"], r["page"], r["bad"]) for r in results if r["bad"]]
    if bad:
        print(f"  WARNING: responses other than 200: {bad}")
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[100_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per page")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per throughput measurement")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--pages", type=lambda s: [x.strip() for x in s.split(",") if x.strip()], default=[],
                        help="only the pages whose names contain one of these comma-separated words")
    parser.add_argument("--database-url", default="",
                        help="serve from PostgreSQL: a postgresql:// URL of a database on the server where "
                             "the benchmark may create (and drop) a database per size; the workload is "
                             "built in SQLite and copied with fedi's own `db copy`")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
