"""The workload of the read benchmarks: a fedi database with authors, follows and N statuses.

One database per size N in a directory. The schema comes from fedi's own migrations (the
store is opened once, and the reader account is created with services.accounts.create_local);
everything else is bulk-inserted straight into SQLite with executemany in one transaction,
with PRAGMA synchronous=OFF on the build connection only (see bench_timeline.py's docstring
for what it holds).
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import time
from collections import Counter, deque

import bench_common as bc

PAGE = 20
AUTHORS = 5000
FOLLOWED = 500
DAYS = 180
FILLER = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco."
)


# --------------------------------------------------------------------------- database


def _remote_host(a: int) -> str:
    return f"h{a % 700}.remote.test"


def build_database(path: str, base: str, reader: dict, n: int, seed: int = 1) -> dict:
    """Bulk-insert the workload into a migrated database at `path`. Returns counts."""
    from fedi.ids import IdGenerator

    # A generator of its own, with all 16 low bits for its counter: the app of an earlier size
    # may have installed one with a node number (PostgreSQL), which tells apart only 1,024 ids
    # made for one millisecond, and all the follows here are made for one.
    new_id = IdGenerator().new

    rnd = random.Random(seed)
    now = time.time()
    t0 = now - DAYS * 86400
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")  # 1 GB of page cache for the build only
    conn.execute("BEGIN")

    # accounts ---------------------------------------------------------------
    ids, uris, local = [], [], []
    rows = []
    for a in range(AUTHORS):
        aid = new_id(at=t0 - 86400 + a)
        is_local = a % 4 == 0
        name = f"u{a}"
        if is_local:
            uri, url, domain = f"{base}/users/{name}", f"{base}/@{name}", None
            inbox, shared = f"{uri}/inbox", f"{base}/inbox"
            published = None
        else:
            host = _remote_host(a)
            uri, url, domain = f"https://{host}/users/{name}", f"https://{host}/@{name}", host
            inbox, shared = f"{uri}/inbox", f"https://{host}/inbox"
            published = "2023-01-01T00:00:00Z"
        rows.append((aid, uri, name, domain, f"User {a}", f"<p>Bio of user {a}</p>", url, inbox, shared,
                     f"{uri}/outbox", f"{uri}/followers", f"{uri}/following", f"{uri}#main-key",
                     published, None if is_local else now, t0 - 86400, t0 - 86400))
        ids.append(aid)
        uris.append(uri)
        local.append(is_local)
    conn.executemany(
        "INSERT INTO accounts (id, uri, username, domain, display_name, note, url, inbox_url, "
        "shared_inbox_url, outbox_url, followers_url, following_url, public_key_id, published, "
        "fetched_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    rid = reader["id"]

    # follows ----------------------------------------------------------------
    followed = set(rnd.sample(range(AUTHORS), FOLLOWED))
    pairs = {(rid, ids[a]) for a in followed}
    for a in range(AUTHORS):
        for b in rnd.sample(range(AUTHORS), 10):
            if b != a:
                pairs.add((ids[a], ids[b]))
    for a in rnd.sample(range(AUTHORS), 200):
        pairs.add((ids[a], rid))
    conn.executemany(
        "INSERT INTO follows (id, follower_id, target_id, state, uri, created_at) VALUES (?,?,?,?,?,?)",
        [(new_id(at=t0), f, t, "accepted", f"https://follows.test/{k}", t0) for k, (f, t) in enumerate(pairs)])
    followed_ids = {ids[a] for a in followed}

    # statuses (generated while executemany consumes them) -------------------
    feeds, mentions, tags, favourites, bookmarks = [], [], [], [], []
    recent: deque = deque(maxlen=5000)        # (id, uri, account_id) of recent originals
    recent_public: deque = deque(maxlen=5000)
    reader_every = max(1, n // 50)
    step = (now - 60 - t0) / n
    counts = Counter()

    def statuses():
        for k in range(n):
            t = t0 + (k + rnd.random()) * step
            sid = new_id(at=t)
            if k % reader_every == reader_every // 2:
                author, auri, is_local = rid, reader["uri"], True
            else:
                a = rnd.randrange(AUTHORS)
                author, auri, is_local = ids[a], uris[a], local[a]
            uri = f"{auri}/statuses/{sid}"
            url = f"{base}/@{auri.rsplit('/', 1)[1]}/{sid}" if is_local else uri
            kind = rnd.random()
            reply_uri = reply_id = reply_account = reblog = None
            content, visibility = "", "public"
            if kind < 0.10 and recent_public:
                reblog = rnd.choice(recent_public)[0]
                uri += "/activity"
                counts["boosts"] += 1
            else:
                if kind < 0.20 and recent:
                    reply_id, reply_uri, reply_account = rnd.choice(recent)
                    mentions.append((sid, reply_account))
                    counts["replies"] += 1
                elif rnd.random() < 0.05:
                    mentions.append((sid, rid if rnd.random() < 0.2 else ids[rnd.randrange(AUTHORS)]))
                v = rnd.random()
                visibility = "public" if v < 0.8 else "unlisted" if v < 0.9 else "private"
                content = f"<p>Status {k}. {FILLER[: 80 + k % 80]}</p>"
                if rnd.random() < 0.1:
                    tag = f"tag{rnd.randrange(50)}"
                    tags.append((sid, tag))
                    content += f'<p><a href="{base}/tags/{tag}" class="mention hashtag">#{tag}</a></p>'
                recent.append((sid, uri, author))
                if visibility == "public":
                    recent_public.append((sid, uri, author))
            if rnd.random() < 0.1 and recent:
                fav_status = rnd.choice(recent)[0]
                fav_by = ids[rnd.randrange(AUTHORS)]
                favourites.append((new_id(at=t), fav_by, fav_status, f"https://likes.test/{k}", t))
            if author in followed_ids or author == rid:
                feeds.append((rid, sid, author))
                if reblog is None and rnd.random() < 0.05:
                    favourites.append((new_id(at=t), rid, sid, f"{reader['uri']}#likes/{k}", t))
                if rnd.random() < 0.02:
                    bookmarks.append((new_id(at=t), rid, sid))
            yield (sid, uri, url, author, int(is_local), reply_uri, reply_id, reply_account, reblog, content,
                   visibility, "en", t, t)

    conn.executemany(
        "INSERT INTO statuses (id, uri, url, account_id, local, in_reply_to_uri, in_reply_to_id, "
        "in_reply_to_account_id, reblog_of_id, content, visibility, language, published, created_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", statuses())
    conn.executemany("INSERT OR IGNORE INTO mentions (status_id, account_id) VALUES (?,?)", mentions)
    conn.executemany("INSERT OR IGNORE INTO status_tags (status_id, name) VALUES (?,?)", tags)
    conn.executemany("INSERT OR IGNORE INTO favourites (id, account_id, status_id, uri, created_at) "
                     "VALUES (?,?,?,?,?)", favourites)
    conn.executemany("INSERT INTO bookmarks (id, account_id, status_id) VALUES (?,?,?)", bookmarks)
    conn.executemany("INSERT INTO feeds (account_id, status_id, author_id) VALUES (?,?,?)", feeds)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"statuses": n, "feed_rows": len(feeds), "follows": len(pairs), "favourites": len(favourites),
            "mentions": len(mentions), **counts}


async def prepare(tmp: str, base: str, n: int) -> tuple[str, dict, dict, float]:
    """Migrated database with the reader (through the store), then the bulk workload."""
    from fedi.services.accounts import create_local
    from fedi.services.state import State
    from fedi.storage.interfaces import open_store
    from fedi.urls import Urls

    path = os.path.join(tmp, f"fedi-{n}.sqlite3")
    config = bc.make_config(base, path)
    start = time.perf_counter()
    store = await open_store(path)
    try:
        state = State(config=config, store=store, urls=Urls(base))
        acc = await create_local(state, "reader", "reader@bench.test", "benchmark-password")
    finally:
        await store.close()
    reader = {"id": acc.id, "uri": acc.uri}
    info = await asyncio.to_thread(build_database, path, base, reader, n)
    elapsed = time.perf_counter() - start
    info["db_mb"] = sum(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp)
                        if f.startswith(f"fedi-{n}.")) / 1e6
    return path, reader, info, elapsed
