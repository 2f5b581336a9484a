"""Inbound flood: signed Create(Note) activities POSTed to the shared inbox.

One fedi instance runs in this process (create_app + AppRunner/TCPSite on
127.0.0.1, job workers on). About 1,000 remote actors are inserted directly
into its store with their public keys, so no key is fetched during the run.
A second process (the load generator) POSTs N pre-signed activities to
/inbox at a fixed concurrency over keep-alive connections; running it in its
own process keeps the client's CPU out of the server's event loop.

Figures, per repetition:
  accepted/s   202 responses per second (a 202 is sent only once the activity
               is committed to the durable inbox queue)
  processed/s  activities per second until every inbox job has finished, i.e.
               every note is stored as a status (notes that a job finished
               without storing are counted and reported as LOST)
  baseline/s   the primitive pipeline per note, sequential on one core: digest
               check + RSA verify (key object cached) + json.loads + nh3.clean
               + one aiosqlite INSERT and COMMIT
  commits      SQLite commits made by the instance during the flood
  round trip   median cost of one aiosqlite call on this machine right now

Run:  python scripts/bench_inbound.py [--notes 5000] [--actors 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_common as bc

TARGET_RATIO = 0.7
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
INBOX_HOST = "inbox.test"
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


# --------------------------------------------------------------------------- load generator (child process)


def client_main(conn, port: int, requests: list[tuple[dict, bytes]], concurrency: int) -> None:
    asyncio.run(_client(conn, port, requests, concurrency))


async def _client(conn, port, requests, concurrency):

    loop = asyncio.get_running_loop()
    url = f"http://{bc.LOOPBACK}:{port}/inbox"
    conn.send(("ready",))
    while True:
        msg = await loop.run_in_executor(None, conn.recv)
        if msg[0] == "quit":
            return
        start, end, statuses = await _flood(url, requests, concurrency)
        conn.send(("done", start, end, dict(statuses)))


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
    return start, end, statuses


# --------------------------------------------------------------------------- primitive baseline


async def primitive_baseline(requests: list[tuple[dict, bytes]], keys, n_actors: int, db_path: str,
                             port: int, synchronous: str = "NORMAL") -> float:
    """Notes/s for digest + RSA verify (cached key) + json.loads + nh3.clean + INSERT/COMMIT.

    The database uses fedi's own settings (WAL, synchronous=NORMAL) unless told otherwise.
    """
    import aiosqlite
    import nh3
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    from fedi.activitypub.signatures import parse_signature_header, verify_digest

    public = {pub: serialization.load_pem_public_key(pub.encode()) for _, pub in keys}
    key_for = {actor_uri(i) + "#main-key": public[keys[i % len(keys)][1]] for i in range(n_actors)}
    conn = await aiosqlite.connect(db_path)
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute(f"PRAGMA synchronous={synchronous}")
    await conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, uri TEXT UNIQUE, content TEXT)")
    await conn.commit()
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
        content = nh3.clean(doc["object"]["content"])
        await conn.execute("INSERT INTO notes (uri, content) VALUES (?, ?)", (doc["object"]["id"], content))
        await conn.commit()

    for headers, body in requests[:100]:  # warm-up, not timed
        await one(headers, body)
    await conn.execute("DELETE FROM notes")
    await conn.commit()
    # Timed in chunks; the median chunk rate is robust against a stray pause.
    rates, chunk = [], max(1, len(requests) // 5)
    for i in range(0, len(requests), chunk):
        part = requests[i:i + chunk]
        start = time.perf_counter()
        for headers, body in part:
            await one(headers, body)
        rates.append(len(part) / (time.perf_counter() - start))
    await conn.close()
    return bc.median(rates)


# --------------------------------------------------------------------------- profile

# Where the event loop's time goes, by stage: (label, what to look for in a function's file
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


def print_profile(profiler, notes: int, top: int = 25) -> None:
    """The flood's own time by stage, then the functions that took most of it."""
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
    print(f"\nprofile of one flood (own time of each function, under cProfile; {total:.2f} s in all, "
          f"{total / notes * 1e3:.3f} ms per note):")
    for label, seconds in by_stage.most_common():
        print(f"  {seconds / total * 100:5.1f}%  {seconds / notes * 1e6:6.0f} us/note  {label}")
    print("  the largest items of 'other Python': " + "; ".join(
        f"{where.rsplit('/', 1)[-1]} {seconds / notes * 1e6:.0f} us" for where, seconds in other.most_common(8)))
    stats.sort_stats("tottime").print_stats(top)


# --------------------------------------------------------------------------- one repetition


async def run_once(args, port: int, keys, requests, conn, rep: int, logs) -> dict:
    load, hop = bc.load_average(), await bc.sqlite_round_trip_us()
    with tempfile.TemporaryDirectory(prefix="fedi-bench-inbound-") as tmp:
        baseline = await primitive_baseline(requests[: args.baseline_notes], keys, args.actors,
                                            os.path.join(tmp, "baseline.sqlite3"), port)
        baseline_full = await primitive_baseline(requests[: args.baseline_notes // 2], keys, args.actors,
                                                 os.path.join(tmp, "baseline-full.sqlite3"), port, "FULL")
        config = bc.make_config(f"http://{INBOX_HOST}:{port}", os.path.join(tmp, "fedi.sqlite3"))
        inst = await bc.start_instance(config, port, run_workers=True)
        try:
            await bc.bulk_insert(inst.store, "accounts", remote_accounts(args.actors, keys))
            db = inst.database
            n = len(requests)

            async def stored() -> int:
                row = await db.fetchone("SELECT count(*) FROM statuses WHERE local = 0")
                return row[0]

            async def finished() -> bool:
                row = await db.fetchone(
                    "SELECT count(*) FROM jobs WHERE queue = 'inbox' AND state != 'pending'")
                return row[0] >= n

            loop = asyncio.get_running_loop()
            logs.take()
            profiler = cProfile.Profile() if args.profile and rep == 1 else None
            commits0, cpu0 = db.commits, time.process_time()
            reply = loop.run_in_executor(None, conn.recv)
            if profiler:
                profiler.enable()
            conn.send(("go",))
            done_at = await bc.wait_until(finished, timeout=args.timeout, interval=0.02)
            if profiler:
                profiler.disable()
                print_profile(profiler, n)
            cpu = time.process_time() - cpu0
            commits = db.commits - commits0
            _, start, end, statuses = await reply
            counts = await inst.store.jobs.counts()
            got = await stored()
        finally:
            await bc.stop_instance(inst)
    accepted = statuses.get(202, 0)
    result = {
        "accepted_s": accepted / (end - start),
        "processed_s": (n / (done_at - start)) if done_at else float("nan"),
        "baseline_s": baseline,
        "baseline_full_s": baseline_full,
        "commits": commits,
        "cpu_s": cpu,
        "wall_s": (done_at - start) if done_at else float("nan"),
        "statuses": statuses,
        "stored": got,
        "jobs": counts.get("inbox", {}),
        "logs": logs.take(),
        "hop_us": hop,
    }
    result["accepted_ratio"] = result["accepted_s"] / baseline
    result["processed_ratio"] = result["processed_s"] / baseline
    print(
        f"run {rep} (load average {load}, aiosqlite round trip {hop:.0f} us): "
        f"accepted {result['accepted_s']:,.0f}/s, processed {result['processed_s']:,.0f}/s, "
        f"baseline {baseline:,.0f}/s, commits {commits:,} for {n:,} notes, "
        f"server CPU {cpu:.2f} s over {result['wall_s']:.2f} s; responses {statuses}; "
        f"inbox jobs {result['jobs']}; statuses stored {got:,}"
        + (f" ({n - got:,} notes LOST)" if got < n else ""),
        flush=True,
    )
    print(f"       log records: {bc.summarize_logs(result['logs'])}", flush=True)
    return result


async def main_async(args) -> int:
    logs = bc.LogCounter()
    print(f"machine: {bc.machine_summary()}")
    port = bc.free_port()
    t = time.perf_counter()
    keys = bc.generate_rsa_keys(args.keys)
    requests = sign_all(port, args.notes, args.actors, keys)
    print(f"setup: {args.keys} RSA keys, {args.actors:,} actors, {args.notes:,} signed Create(Note) "
          f"({sum(len(b) for _, b in requests) // len(requests):,} B bodies) in "
          f"{time.perf_counter() - t:.1f} s; concurrency {args.concurrency}", flush=True)

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    client = ctx.Process(target=client_main, args=(child, port, requests, args.concurrency), daemon=True)
    client.start()
    try:
        assert parent.recv()[0] == "ready"
        results = [await run_once(args, port, keys, requests, parent, rep + 1, logs) for rep in range(args.repeat)]
        parent.send(("quit",))
    finally:
        client.join(timeout=10)
        if client.is_alive():
            client.terminate()

    med = {k: bc.median([r[k] for r in results]) for k in
           ("accepted_s", "processed_s", "baseline_s", "baseline_full_s", "accepted_ratio", "processed_ratio",
            "commits", "cpu_s", "stored", "hop_us")}
    print(f"\nmedians of {len(results)} runs ({args.notes:,} notes, concurrency {args.concurrency}):")
    bc.print_table(
        ["figure", "per second", "x baseline", f"target (>= {TARGET_RATIO} x)"],
        [
            ["baseline: primitive pipeline", med["baseline_s"], 1.0, ""],
            ["accepted (202, queued durably)", med["accepted_s"], med["accepted_ratio"],
             "met" if med["accepted_ratio"] >= TARGET_RATIO else "MISSED"],
            ["processed (stored as statuses)", med["processed_s"], med["processed_ratio"],
             "met" if med["processed_ratio"] >= TARGET_RATIO else "MISSED"],
        ],
    )
    print(f"  SQLite commits during the flood: {med['commits']:,.0f} for {args.notes:,} notes "
          f"(each note needs several writes; group commit batches them)")
    print(f"  server process CPU (all threads) from the first POST to the last job: {med['cpu_s']:.2f} s")
    print(f"  statuses stored: {med['stored']:,.0f} of {args.notes:,}")
    print(f"  aiosqlite round trip: {med['hop_us']:.0f} us")
    print(f"  for reference, the baseline with synchronous=FULL instead of fedi's NORMAL: "
          f"{med['baseline_full_s']:,.0f}/s")
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
                        help="profile the server during the first flood and print its time by stage")
    args = parser.parse_args()
    args.baseline_notes = min(args.baseline_notes, args.notes)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
