"""Inbound flood: signed Create(Note) activities POSTed to the shared inbox.

One fedi instance runs in this process (create_app + AppRunner/TCPSite on
127.0.0.1), on a SQLite file, or with --database-url on a scratch PostgreSQL
database created on that server for each flood and dropped after it (the given
database itself is not touched). About 1,000 remote actors are inserted
directly into its store with their public keys, so no key is fetched during
the run. A second process (the load generator) POSTs N pre-signed activities
to /inbox at a fixed concurrency over keep-alive connections; running it in its
own process keeps the client's CPU out of the server's event loop.

Where the inbox jobs run:
  by default     in this process (the instance's job workers are on)
  --worker-processes 1,2
                 (PostgreSQL) this process only accepts the POSTs (its instance
                 runs no jobs) and watches the jobs table; the inbox jobs run in N
                 `python -m fedi serve --role worker` processes started for each
                 flood on the scratch database (a config file written for them)
                 and stopped after it. Every count listed floods in turn in each
                 repetition.

Figures, per flood:
  accepted/s   202 responses per second (a 202 is sent only once the activity
               is committed to the durable inbox queue)
  processed/s  activities per second until every inbox job has finished, i.e.
               every note is stored as a status (notes that a job finished
               without storing are counted and reported as LOST)
  baseline/s   the primitive pipeline per note, sequential on one core: digest
               check + RSA verify (key object cached) + json.loads + nh3.clean
               + one INSERT and COMMIT: aiosqlite with fedi's settings, or on
               PostgreSQL one asyncpg INSERT in its own transaction (a scratch
               database of its own); measured once per repetition. For
               reference, the same on SQLite with synchronous=FULL (SQLite
               runs), or with fedi's settings (PostgreSQL runs)
  commits      commits made by this process during the flood (with worker
               processes, the intake's only)
  CPU          this process's (all threads), plus the worker processes'; with a
               PostgreSQL server on this machine, its processes' for the
               scratch database are printed too
  round trip   median cost of one aiosqlite call, or of a PostgreSQL SELECT 1,
               on this machine right now
With several worker-process counts, processed/s of each is also compared with
the first count's, paired by repetition.

Run:  python scripts/bench_inbound.py [--notes 5000] [--actors 1000] [--repeat 3]
      python scripts/bench_inbound.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
      python scripts/bench_inbound.py --database-url URL --worker-processes 1,2
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_backends as bb
import bench_common as bc
import bench_load as bl

TARGET_RATIO = 0.7
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
INBOX_HOST = "inbox.test"
DATABASE = "fedi_bench_inbound"  # the scratch databases' names on a PostgreSQL server
FILLER = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco "
    "laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit."
)


# --------------------------------------------------------------------------- workload


def actor_uri(i: int) -> str:
    return f"http://r{i}.remote.test/users/u{i}"


def note_html(k: int, author: int, mentioned: int) -> str:
    """About 500 bytes of Mastodon-style HTML: a mention span, text and a link."""
    muri = actor_uri(mentioned)
    return (
        f'<p><span class="h-card"><a href="{muri}" class="u-url mention">@<span>u{mentioned}</span></a>'
        f"</span> note {k} from u{author}. {FILLER} "
        f'<a href="https://example.org/articles/{k}" rel="nofollow noopener" target="_blank">'
        f'<span class="invisible">https://</span><span class="">example.org/articles/{k}</span></a></p>'
    )


def create_activity(k: int, author: int, n_actors: int) -> dict:
    uri = actor_uri(author)
    note_id = f"{uri}/statuses/{k}"
    published = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    to, cc = [PUBLIC], [f"{uri}/followers"]
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": uri,
        "published": published,
        "to": to,
        "cc": cc,
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": uri,
            "url": f"http://r{author}.remote.test/@u{author}/{k}",
            "published": published,
            "to": to,
            "cc": cc,
            "content": note_html(k, author, (author + 1) % n_actors),
            "tag": [],
            "attachment": [],
        },
    }


def sign_all(port: int, n_notes: int, n_actors: int, keys: list[tuple[str, str]]) -> list[tuple[dict, bytes]]:
    from fedi.activitypub.signatures import sign_request

    url = f"http://{INBOX_HOST}:{port}/inbox"
    out = []
    for k in range(n_notes):
        author = k % n_actors
        body = json.dumps(create_activity(k, author, n_actors)).encode()
        private_pem = keys[author % len(keys)][0]
        headers = sign_request("POST", url, {"Content-Type": "application/activity+json"}, body,
                               actor_uri(author) + "#main-key", private_pem)
        out.append((headers, body))
    return out


def remote_accounts(n_actors: int, keys: list[tuple[str, str]]):
    from fedi.ids import new_id
    from fedi.models import Account

    now = time.time()
    for i in range(n_actors):
        uri = actor_uri(i)
        yield Account(
            id=new_id(), uri=uri, username=f"u{i}", domain=f"r{i}.remote.test", display_name=f"U {i}",
            url=f"http://r{i}.remote.test/@u{i}", inbox_url=f"{uri}/inbox",
            shared_inbox_url=f"http://r{i}.remote.test/inbox", outbox_url=f"{uri}/outbox",
            followers_url=f"{uri}/followers", following_url=f"{uri}/following",
            public_key_id=f"{uri}#main-key", public_key_pem=keys[i % len(keys)][1],
            fetched_at=now, created_at=now, updated_at=now,
        )


# --------------------------------------------------------------------------- primitive baseline


async def note_table(target: str, synchronous: str = "NORMAL"):
    """(insert(uri, content), clear(), close()) for a new notes table: in a SQLite file with
    fedi's settings (WAL, synchronous=NORMAL unless told otherwise) or in a PostgreSQL database.
    insert() is one INSERT and one COMMIT."""
    if bc.is_postgresql(target):
        import asyncpg

        pg = await asyncpg.connect(target)
        await pg.execute("CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, uri TEXT UNIQUE, content TEXT)")

        async def pg_insert(uri: str, content: str) -> None:
            await pg.execute("INSERT INTO notes (uri, content) VALUES ($1, $2)", uri, content)

        return pg_insert, lambda: pg.execute("DELETE FROM notes"), pg.close
    import aiosqlite

    conn = await aiosqlite.connect(target)
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute(f"PRAGMA synchronous={synchronous}")
    await conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, uri TEXT UNIQUE, content TEXT)")
    await conn.commit()

    async def insert(uri: str, content: str) -> None:
        await conn.execute("INSERT INTO notes (uri, content) VALUES (?, ?)", (uri, content))
        await conn.commit()

    async def clear() -> None:
        await conn.execute("DELETE FROM notes")
        await conn.commit()

    return insert, clear, conn.close


async def primitive_baseline(requests: list[tuple[dict, bytes]], keys, n_actors: int, target: str,
                             port: int, synchronous: str = "NORMAL") -> float:
    """Notes/s for digest + RSA verify (cached key) + json.loads + nh3.clean + INSERT/COMMIT."""
    import nh3
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    from fedi.activitypub.signatures import parse_signature_header, verify_digest

    public = {pub: serialization.load_pem_public_key(pub.encode()) for _, pub in keys}
    key_for = {actor_uri(i) + "#main-key": public[keys[i % len(keys)][1]] for i in range(n_actors)}
    insert, clear, close = await note_table(target, synchronous)
    host = f"{INBOX_HOST}:{port}"
    pss, sha = padding.PKCS1v15(), hashes.SHA256()

    async def one(headers: dict, body: bytes) -> None:
        verify_digest(headers["Digest"], body)
        sig = parse_signature_header(headers["Signature"])
        signing_string = (
            f"(request-target): post /inbox\nhost: {host}\ndate: {headers['Date']}\n"
            f"digest: {headers['Digest']}"
        ).encode()
        key_for[sig.key_id].verify(sig.signature, signing_string, pss, sha)
        doc = json.loads(body)
        await insert(doc["object"]["id"], nh3.clean(doc["object"]["content"]))

    try:
        for headers, body in requests[:100]:  # warm-up, not timed
            await one(headers, body)
        await clear()
        # Timed in chunks; the median chunk rate is robust against a stray pause.
        rates, chunk = [], max(1, len(requests) // 5)
        for i in range(0, len(requests), chunk):
            part = requests[i:i + chunk]
            start = time.perf_counter()
            for headers, body in part:
                await one(headers, body)
            rates.append(len(part) / (time.perf_counter() - start))
    finally:
        await close()
    return bc.median(rates)


async def baselines(args, requests, keys, port: int) -> tuple[float, float, str]:
    """(baseline/s, reference/s, what the reference is): the pipeline on the run's backend, and
    for reference on SQLite with synchronous=FULL (SQLite runs) or with fedi's NORMAL (PostgreSQL)."""
    part = requests[: args.baseline_notes]
    with tempfile.TemporaryDirectory(prefix="fedi-bench-inbound-base-") as tmp:
        sqlite = os.path.join(tmp, "baseline.sqlite3")
        if not args.database_url:
            base = await primitive_baseline(part, keys, args.actors, sqlite, port)
            full = await primitive_baseline(part[: len(part) // 2], keys, args.actors,
                                            os.path.join(tmp, "full.sqlite3"), port, "FULL")
            return base, full, "SQLite with synchronous=FULL instead of fedi's NORMAL"
        async with bb.scratch_database(args.database_url, f"{DATABASE}_baseline", tmp) as url:
            base = await primitive_baseline(part, keys, args.actors, url, port)
        sqlite_rate = await primitive_baseline(part[: len(part) // 2], keys, args.actors, sqlite, port)
        return base, sqlite_rate, "SQLite (aiosqlite, fedi's settings) instead of PostgreSQL"


# --------------------------------------------------------------------------- one flood


async def run_once(args, port: int, keys, requests, flood: bl.Flood, rep: int, logs, procs: int) -> dict:
    """One flood on a fresh instance; with `procs`, its inbox jobs run in worker processes."""
    n = len(requests)
    async with bb.fresh_run(args.database_url, DATABASE, f"http://{INBOX_HOST}:{port}", port, procs) as run:
        inst, db = run.inst, run.inst.database
        await bc.bulk_insert(inst.store, "accounts", remote_accounts(args.actors, keys))

        async def finished() -> bool:
            row = await db.fetchone("SELECT count(*) FROM jobs WHERE queue = 'inbox' AND state != 'pending'")
            return row[0] >= n

        logs.take()
        profiler = cProfile.Profile() if args.profile and rep == 1 and procs == args.counts[0] else None
        cpu0, commits0 = await run.cpu(), db.commits
        if profiler:
            profiler.enable()
        reply = flood.go()
        done_at = await bc.wait_until(finished, timeout=args.timeout, interval=0.02)
        if profiler:
            profiler.disable()
            bl.print_profile(profiler, n, "note")
        cpu = await run.cpu() - cpu0
        commits = db.commits - commits0
        start, end, statuses = await reply
        counts = await inst.store.jobs.counts()
        got = (await db.fetchone("SELECT count(*) FROM statuses WHERE local = 0"))[0]
    result = {
        "procs": procs,
        "accepted_s": statuses.get(202, 0) / (end - start),
        "processed_s": (n / (done_at - start)) if done_at else float("nan"),
        "commits": commits,
        "cpu_s": cpu.fedi,
        "pg_cpu_s": cpu.pg,
        "wall_s": (done_at - start) if done_at else float("nan"),
        "statuses": statuses,
        "stored": got,
        "jobs": counts.get("inbox", {}),
        "logs": {**logs.take(), **run.worker_logs},
    }
    print(
        f"  {bb.where(procs)}: accepted {result['accepted_s']:,.0f}/s, processed {result['processed_s']:,.0f}/s, "
        f"commits here {commits:,} for {n:,} notes, {cpu.describe()} over {result['wall_s']:.2f} s; "
        f"responses {statuses}; inbox jobs {result['jobs']}; statuses stored {got:,}"
        + (f" ({n - got:,} notes LOST)" if got < n else ""),
        flush=True,
    )
    print(f"       log records: {bc.summarize_logs(result['logs'])}", flush=True)
    return result


async def main_async(args) -> int:
    logs = bc.LogCounter()
    print(f"machine: {bc.machine_summary()}")
    print(f"database: {await bb.backend_summary(args.database_url)}; inbox jobs: "
          + ", then ".join(bb.where(n) for n in args.counts))
    port = bc.free_port()
    t = time.perf_counter()
    keys = bc.generate_rsa_keys(args.keys)
    requests = sign_all(port, args.notes, args.actors, keys)
    print(f"setup: {args.keys} RSA keys, {args.actors:,} actors, {args.notes:,} signed Create(Note) "
          f"({sum(len(b) for _, b in requests) // len(requests):,} B bodies) in "
          f"{time.perf_counter() - t:.1f} s; concurrency {args.concurrency}", flush=True)

    flood = bl.Flood(f"http://{bc.LOOPBACK}:{port}/inbox", requests, args.concurrency)
    results: list[dict] = []
    try:
        for rep in range(1, args.repeat + 1):
            load, (what, hop) = bc.load_average(), await bb.round_trip_us(args.database_url)
            base, ref, ref_what = await baselines(args, requests, keys, port)
            print(f"run {rep} (load average {load}, {what} round trip {hop:.0f} us): baseline {base:,.0f}/s, "
                  f"reference {ref:,.0f}/s", flush=True)
            for procs in args.counts:
                result = await run_once(args, port, keys, requests, flood, rep, logs, procs)
                result.update(baseline_s=base, reference_s=ref, hop_us=hop)
                result["accepted_ratio"] = result["accepted_s"] / base
                result["processed_ratio"] = result["processed_s"] / base
                results.append(result)
    finally:
        flood.close()

    def med(procs: int, key: str) -> float:
        return bc.median([r[key] for r in results if r["procs"] == procs])

    first = args.counts[0]
    print(f"\nmedians of {args.repeat} runs ({args.notes:,} notes, concurrency {args.concurrency}):")
    rows = [["baseline: primitive pipeline", "", med(first, "baseline_s"), 1.0, ""]]
    for procs in args.counts:
        for label, key in (("accepted (202, queued durably)", "accepted"),
                           ("processed (stored as statuses)", "processed")):
            ratio = med(procs, f"{key}_ratio")
            rows.append([label, bb.where(procs), med(procs, f"{key}_s"), ratio,
                         "met" if ratio >= TARGET_RATIO else "MISSED"])
    bc.print_table(["figure", "inbox jobs", "per second", "x baseline", f"target (>= {TARGET_RATIO} x)"], rows)
    for procs in args.counts[1:]:
        pairs = zip([r for r in results if r["procs"] == procs], [r for r in results if r["procs"] == first])
        ratio = bc.median([r["processed_s"] / f["processed_s"] for r, f in pairs])
        print(f"  processed/s with {bb.where(procs)}: {ratio:.2f} x that with {bb.where(first)}")
    for procs in args.counts:
        pg = med(procs, "pg_cpu_s")
        print(f"  {bb.where(procs)}: commits here {med(procs, 'commits'):,.0f} for {args.notes:,} notes; fedi CPU "
              f"(all processes and threads) from the first POST to the last job {med(procs, 'cpu_s'):.2f} s"
              + ("" if math.isnan(pg) else f", PostgreSQL CPU {pg:.2f} s")
              + f"; statuses stored {med(procs, 'stored'):,.0f} of {args.notes:,}")
    print(f"  {what} round trip: {bc.median([r['hop_us'] for r in results]):.0f} us")
    print(f"  for reference, the baseline on {ref_what}: {bc.median([r['reference_s'] for r in results]):,.0f}/s")
    ok = all(r["stored"] == args.notes and r["statuses"].get(202, 0) == args.notes for r in results)
    if not ok:
        print("  WARNING: not every note was accepted and stored as a status; see the per-run lines above")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--actors", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=8, help="distinct RSA keys shared among the actors")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--baseline-notes", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0, help="per run, seconds")
    parser.add_argument("--profile", action="store_true",
                        help="profile this process during the first flood and print its time by stage")
    bb.add_arguments(parser, DATABASE, "run the inbox jobs")
    args = parser.parse_args()
    bb.check_arguments(parser, args)
    args.counts = args.worker_processes or [0]
    args.baseline_notes = min(args.baseline_notes, args.notes)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
