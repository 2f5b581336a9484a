"""The SQLite store against real database files: migrations, group commit, repositories."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time

import pytest

from fedi.storage.errors import Conflict
from fedi.ids import new_id
from fedi.models import Account, Activity, Follow, Status, User
from fedi.storage.interfaces import open_store
from fedi.storage.sqlite.db import migration_files
from tests.harness import scratch_store, sqlite_only


@pytest.fixture
async def store(tmp_path):
    async with scratch_store(tmp_path) as s:
        yield s


# Builders --------------------------------------------------------------------

def local_account(username: str, base: str = "http://local.test") -> Account:
    now = time.time()
    return Account(
        id=new_id(), uri=f"{base}/users/{username}", username=username, domain=None,
        inbox_url=f"{base}/users/{username}/inbox", shared_inbox_url=f"{base}/inbox",
        created_at=now, updated_at=now,
    )


def remote_account(username: str, domain: str, *, shared: bool = True, **extra) -> Account:
    now = time.time()
    base = f"https://{domain}"
    return Account(
        id=new_id(), uri=f"{base}/users/{username}", username=username, domain=domain,
        inbox_url=f"{base}/users/{username}/inbox",
        shared_inbox_url=f"{base}/inbox" if shared else None,
        created_at=now, updated_at=now, **extra,
    )


def follow(follower: Account, target: Account, state: str = "accepted") -> Follow:
    return Follow(
        id=new_id(), follower_id=follower.id, target_id=target.id, state=state,
        uri=f"{follower.uri}/follows/{new_id()}", created_at=time.time(),
    )


def status(author: Account, visibility: str = "public", **extra) -> Status:
    sid = new_id()
    now = time.time()
    return Status(
        id=sid, uri=f"{author.uri}/statuses/{sid}", account_id=author.id,
        local=author.domain is None, visibility=visibility, published=now, created_at=now,
        **extra,
    )


# Migrations and connection setup --------------------------------------------

@sqlite_only
async def test_migrations_apply_once_and_are_recorded(tmp_path):
    path = str(tmp_path / "m.sqlite3")
    s = await open_store(path, migrate=False)
    try:
        files = migration_files()
        assert files, "no migration files were packaged"
        applied = await s.migrate()
        assert applied == [name for _, name, _ in files]
        assert await s.migrate() == []
        rows = await s.database.fetchall("SELECT version, name FROM schema_migrations ORDER BY version")
        assert [(r[0], r[1]) for r in rows] == [(v, n) for v, n, _ in files]
    finally:
        await s.close()

    # Reopening (which migrates by default) applies nothing new and adds no rows.
    s = await open_store(path)
    try:
        assert await s.migrate() == []
        row = await s.database.fetchone("SELECT count(*) FROM schema_migrations")
        assert row[0] == len(files)
    finally:
        await s.close()


@sqlite_only
async def test_wal_mode_and_foreign_keys(store):
    row = await store.database.fetchone("PRAGMA journal_mode")
    assert row[0].lower() == "wal"
    row = await store.database.fetchone("PRAGMA foreign_keys")
    assert row[0] == 1


@sqlite_only
async def test_write_after_close_is_refused(tmp_path):
    s = await open_store(str(tmp_path / "c.sqlite3"))
    await s.close()
    with pytest.raises(RuntimeError):
        await s.jobs.enqueue("q", {})


@sqlite_only
async def test_a_short_scan_runs_at_once_and_a_long_one_in_a_reader_thread(store):
    """A read that may scan is tried on the loop thread within a time budget; one that
    overruns it is run again in a reader thread (same rows), and its SQL goes to a thread
    directly from then on."""
    db = store.database
    yielded = []
    asyncio.get_running_loop().call_soon(yielded.append, True)
    rows = await db.fetchall("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50) "
                             "SELECT sum(x) FROM c")
    assert rows[0][0] == 1275 and not yielded  # no hop: the loop did not turn
    assert db.inline.overruns == 0
    long = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
            "SELECT sum(x) FROM c")
    started = time.perf_counter()
    assert (await db.fetchall(long))[0][0] == 3000000 * 3000001 // 2
    assert db.inline.overruns == 1 and long in db.inline.slow
    assert (await db.fetchall(long))[0][0] == 3000000 * 3000001 // 2
    assert db.inline.overruns == 1  # remembered: straight to a thread
    assert time.perf_counter() - started > 2 * db.inline.budget
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await db.fetchall("SELECT * FROM no_such_table")  # errors of the statement itself stand


# Group commit ----------------------------------------------------------------

@sqlite_only
async def test_concurrent_writes_share_commits(store):
    before = store.database.commits
    results = await asyncio.gather(*(store.jobs.enqueue("q", {"n": n}) for n in range(500)))
    assert all(results)
    assert await store.jobs.pending("q") == 500
    rows = await store.database.fetchall("SELECT payload FROM jobs WHERE queue = 'q'")
    assert sorted(json.loads(r[0])["n"] for r in rows) == list(range(500))
    commits = store.database.commits - before
    assert 1 <= commits < 100, commits


async def test_failing_op_in_a_batch_does_not_lose_the_others(store):
    author = local_account("alice")
    await store.accounts.insert(author)

    async def bad(tx):
        await tx.settings.set("bad-partial", "written")
        await tx.jobs.enqueue("q", {"bad": True})
        raise ValueError("boom")

    good = [store.settings.set(f"k{n}", str(n)) for n in range(40)]
    good_jobs = [store.jobs.enqueue("q", {"n": n}) for n in range(40)]
    results = await asyncio.gather(*good[:20], store.atomic(bad), *good[20:], *good_jobs,
                                   return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1 and isinstance(errors[0], ValueError) and str(errors[0]) == "boom"

    for n in range(40):
        assert await store.settings.get(f"k{n}") == str(n)
    assert await store.jobs.pending("q") == 40
    assert await store.settings.get("bad-partial") is None
    rows = await store.database.fetchall("SELECT payload FROM jobs")
    assert all('"bad"' not in r[0] for r in rows)

    # The writer keeps working afterwards.
    await store.settings.set("after", "1")
    assert await store.settings.get("after") == "1"


async def test_failing_op_alone_raises_and_rolls_back(store):
    async def bad(tx):
        await tx.settings.set("solo", "x")
        raise KeyError("nope")

    with pytest.raises(KeyError):
        await store.atomic(bad)
    assert await store.settings.get("solo") is None


async def test_atomic_returns_value_and_nests_in_one_transaction(store):
    async def inner(tx):
        await tx.settings.set("inner", "1")
        # Reads inside the transaction see its own uncommitted writes.
        return await tx.settings.get("outer")

    async def outer(tx):
        await tx.settings.set("outer", "1")
        seen = await tx.atomic(inner)
        return seen, await tx.settings.get("inner")

    result = await asyncio.wait_for(store.atomic(outer), timeout=5)
    assert result == ("1", "1")
    assert await store.settings.get("outer") == "1"
    assert await store.settings.get("inner") == "1"

    async def outer_fails(tx):
        await tx.atomic(lambda t: t.settings.set("nested-then-fail", "1"))
        raise RuntimeError("roll it all back")

    with pytest.raises(RuntimeError):
        await asyncio.wait_for(store.atomic(outer_fails), timeout=5)
    assert await store.settings.get("nested-then-fail") is None


async def test_settings_set_if_absent(store):
    assert await store.settings.set_if_absent("secret", "a") == "a"
    assert await store.settings.set_if_absent("secret", "b") == "a"
    await store.settings.set("secret", "c")
    assert await store.settings.get("secret") == "c"


# Accounts --------------------------------------------------------------------

async def test_accounts_insert_local_and_lookups(store):
    alice = local_account("Alice")
    alice.public_key_id = alice.uri + "#main-key"
    await store.accounts.insert(alice)

    got = await store.accounts.get(alice.id)
    assert got == alice
    assert got.local and got.domain is None
    assert (await store.accounts.by_uri(alice.uri)).id == alice.id
    assert (await store.accounts.by_key_id(alice.uri + "#main-key")).id == alice.id
    for name in ("alice", "ALICE", "Alice"):
        assert (await store.accounts.by_handle(name, None)).id == alice.id
    assert await store.accounts.by_handle("alice", "other.test") is None
    assert await store.accounts.by_handle("bob", None) is None
    assert [a.id for a in await store.accounts.list_local()] == [alice.id]


async def test_accounts_handle_unique_case_insensitively(store):
    await store.accounts.insert(local_account("carol"))
    dup = local_account("CAROL")
    dup.uri += "-2"
    with pytest.raises(Conflict):
        await store.accounts.insert(dup)


async def test_remote_by_handle_domain_case_insensitive(store):
    bob = remote_account("Bob", "remote.test")
    await store.accounts.insert(bob)
    assert (await store.accounts.by_handle("bob", "REMOTE.test")).id == bob.id
    assert await store.accounts.by_handle("bob", None) is None
    assert (await store.accounts.one_on_domain("Remote.Test")).id == bob.id
    assert await store.accounts.known_domains() == ["remote.test"]


async def test_upsert_remote_keeps_id_and_refreshes(store):
    first = remote_account("bob", "remote.test", display_name="Bob")
    stored = await store.accounts.upsert_remote(first)
    assert stored.id == first.id
    created = (await store.accounts.get(first.id)).created_at

    fresh = remote_account("bob", "remote.test", display_name="Robert", locked=True,
                           fields=[{"name": "site", "value": "x"}])
    fresh.created_at = created + 1000
    fresh_id = fresh.id
    result = await store.accounts.upsert_remote(fresh)
    assert result.id == first.id != fresh_id

    got = await store.accounts.get(first.id)
    assert got.display_name == "Robert"
    assert got.locked is True
    assert got.fields == [{"name": "site", "value": "x"}]
    assert got.created_at == created
    assert await store.accounts.get(fresh_id) is None
    row = await store.database.fetchone("SELECT count(*) FROM accounts")
    assert row[0] == 1


async def test_accounts_update_json_and_bool_fields(store):
    alice = local_account("alice")
    await store.accounts.insert(alice)
    fields = [{"name": "Web", "value": "<a href=\"https://a.test\">a.test</a>"}, {"name": "ü", "value": "✓"}]
    aka = ["https://old.test/users/alice"]
    await store.accounts.update(alice.id, fields=fields, also_known_as=aka, locked=True,
                                display_name="Alice A.")
    got = await store.accounts.get(alice.id)
    assert got.fields == fields
    assert got.also_known_as == aka
    assert got.locked is True
    assert got.display_name == "Alice A."
    assert got.updated_at >= alice.updated_at

    with pytest.raises(KeyError):
        await store.accounts.update(alice.id, id="other")
    with pytest.raises(KeyError):
        await store.accounts.update(alice.id, no_such_column=1)
    await store.accounts.update(alice.id)  # nothing to change is fine


async def test_accounts_get_many(store):
    accounts = [local_account(f"u{n}") for n in range(5)]
    for a in accounts:
        await store.accounts.insert(a)
    wanted = [accounts[0].id, accounts[3].id, accounts[3].id, "missing"]
    got = await store.accounts.get_many(wanted)
    assert set(got) == {accounts[0].id, accounts[3].id}
    assert got[accounts[3].id].username == "u3"
    assert await store.accounts.get_many([]) == {}


async def test_users_and_tokens(store):
    alice = local_account("alice")
    await store.accounts.insert(alice)
    await store.users.insert(User(account_id=alice.id, email="Alice@Local.Test", password_hash="h",
                                  private_key_pem="pem", created_at=time.time()))
    assert (await store.users.by_email("alice@local.test")).account_id == alice.id
    assert await store.accounts.count_local() == 1
    await store.tokens.insert("t1", alice.id, "hash1", "read")
    token = await store.tokens.lookup("hash1")
    assert (token.account_id, token.scopes) == (alice.id, "read")
    await store.tokens.revoke("hash1")
    assert await store.tokens.lookup("hash1") is None


# Follows ---------------------------------------------------------------------

async def test_followers_and_following_pages(store):
    alice = local_account("alice")
    await store.accounts.insert(alice)
    followers = [remote_account(f"f{n}", "remote.test") for n in range(7)]
    for f in followers:
        await store.accounts.insert(f)
        await store.follows.insert(follow(f, alice))
    pending = remote_account("p", "remote.test")
    await store.accounts.insert(pending)
    await store.follows.insert(follow(pending, alice, "pending"))
    await store.follows.insert(follow(alice, followers[0]))

    first = await store.follows.followers_page(alice.id, limit=3)
    assert first.total == 7
    assert len(first.items) == 3 and first.next_max_id is not None
    second = await store.follows.followers_page(alice.id, max_id=first.next_max_id, limit=3)
    third = await store.follows.followers_page(alice.id, max_id=second.next_max_id, limit=3)
    assert len(second.items) == 3 and len(third.items) == 1
    assert third.next_max_id is None
    seen = first.items + second.items + third.items
    # Newest first, no duplicates, pending excluded.
    assert seen == [f.uri for f in reversed(followers)]
    assert pending.uri not in seen

    following = await store.follows.following_page(alice.id)
    assert following.items == [followers[0].uri] and following.total == 1
    assert following.next_max_id is None

    assert await store.follows.counts(alice.id) == (7, 1)
    assert [f.follower_id for f in await store.follows.pending_for(alice.id)] == [pending.id]


async def test_follower_inboxes_dedup_and_exclusions(store):
    alice = local_account("alice")
    carol = local_account("carol")
    await store.accounts.insert(alice)
    await store.accounts.insert(carol)
    shared_a = remote_account("a1", "a.test")
    shared_b = remote_account("a2", "a.test")
    personal = remote_account("solo", "b.test", shared=False)
    waiting = remote_account("waiting", "c.test")
    suspended = remote_account("gone", "d.test", suspended=True)
    for acct in (shared_a, shared_b, personal, waiting, suspended):
        await store.accounts.insert(acct)
    for acct in (shared_a, shared_b, personal, suspended, carol):
        await store.follows.insert(follow(acct, alice))
    await store.follows.insert(follow(waiting, alice, "pending"))

    inboxes = await store.follows.follower_inboxes(alice.id)
    assert sorted(inboxes) == ["https://a.test/inbox", "https://b.test/users/solo/inbox"]
    assert await store.follows.local_followers(alice.id) == [carol.id]
    assert await store.follows.local_followers_of_uris(alice.uri) == [carol.id]
    assert await store.follows.counts(alice.id) == (5, 0)


async def test_follow_state_changes_and_delete(store):
    alice, bob = local_account("alice"), remote_account("bob", "r.test")
    await store.accounts.insert(alice)
    await store.accounts.insert(bob)
    f = follow(bob, alice, "pending")
    await store.follows.insert(f)
    assert (await store.follows.by_uri(f.uri)).state == "pending"
    await store.follows.set_state(f.id, "accepted")
    assert (await store.follows.get(bob.id, alice.id)).accepted
    await store.follows.delete(f.id)
    assert await store.follows.get(bob.id, alice.id) is None
    assert await store.follows.counts(alice.id) == (0, 0)


# Statuses and activities ------------------------------------------------------

async def test_status_insert_with_mentions_and_tags(store):
    alice, bob = local_account("alice"), remote_account("bob", "r.test")
    await store.accounts.insert(alice)
    await store.accounts.insert(bob)
    s = status(alice, content="<p>hi</p>", mention_ids=[bob.id, bob.id], tags=["Cats", "cats", "Dogs"],
               attachments=[{"type": "Image", "url": "https://a.test/x.png"}])
    assert await store.statuses.insert(s) is True
    assert await store.statuses.insert(s) is False  # same uri again

    got = await store.statuses.get(s.id)
    assert got.mention_ids == [bob.id]
    assert sorted(got.tags) == ["cats", "dogs"]
    assert got.attachments == [{"type": "Image", "url": "https://a.test/x.png"}]
    assert got.local is True and got.sensitive is False
    assert (await store.statuses.by_uri(s.uri)).id == s.id
    assert await store.statuses.is_mentioned(s.id, bob.id)
    assert not await store.statuses.is_mentioned(s.id, alice.id)


async def test_by_account_filters_visibility_and_pages(store):
    alice = local_account("alice")
    await store.accounts.insert(alice)
    made = {}
    for n, vis in enumerate(["public", "unlisted", "private", "direct"] * 3):
        s = status(alice, vis, content=str(n))
        await store.statuses.insert(s)
        made[s.id] = vis

    page = await store.statuses.by_account(alice.id, limit=4)
    assert page.total == 6
    assert all(s.visibility in ("public", "unlisted") for s in page.items)
    assert [s.id for s in page.items] == sorted((s.id for s in page.items), reverse=True)
    assert len(page.items) == 4 and page.next_max_id == page.items[-1].id
    rest = await store.statuses.by_account(alice.id, max_id=page.next_max_id, limit=4)
    assert len(rest.items) == 2 and rest.next_max_id is None
    assert {s.id for s in page.items + rest.items} == {i for i, v in made.items() if v in ("public", "unlisted")}

    everything = await store.statuses.by_account(
        alice.id, visibilities=("public", "unlisted", "private", "direct"), limit=40)
    assert everything.total == 12 and len(everything.items) == 12
    assert await store.statuses.count(alice.id) == 12
    assert await store.statuses.count_local() == 12


async def test_update_content_records_an_edit(store):
    alice = local_account("alice")
    await store.accounts.insert(alice)
    s = status(alice, content="<p>old</p>", summary="cw", sensitive=True, tags=["one"])
    await store.statuses.insert(s)

    s.content, s.summary, s.sensitive = "<p>new</p>", "", False
    s.tags = ["Two"]
    s.edited_at = time.time()
    await store.statuses.update_content(s)

    got = await store.statuses.get(s.id)
    assert got.content == "<p>new</p>" and got.summary == "" and got.sensitive is False
    assert got.edited_at == pytest.approx(s.edited_at)
    assert got.tags == ["two"]
    edits = await store.database.fetchall("SELECT * FROM status_edits WHERE status_id = ?", (s.id,))
    assert len(edits) == 1
    assert edits[0]["content"] == "<p>old</p>" and edits[0]["summary"] == "cw" and edits[0]["sensitive"] == 1


async def test_delete_cascades(store):
    alice, bob = local_account("alice"), remote_account("bob", "r.test")
    await store.accounts.insert(alice)
    await store.accounts.insert(bob)
    s = status(alice, content="x", mention_ids=[bob.id], tags=["t"])
    await store.statuses.insert(s)
    s.content = "y"
    await store.statuses.update_content(s)
    boost = status(bob, reblog_of_id=s.id)
    await store.statuses.insert(boost)
    assert await store.statuses.reblog_count(s.id) == 1
    assert (await store.statuses.reblog_of(bob.id, s.id)).id == boost.id

    await store.statuses.delete(s.id)
    assert await store.statuses.get(s.id) is None
    assert await store.statuses.get(boost.id) is None
    for table in ("mentions", "status_tags", "status_edits"):
        row = await store.database.fetchone(f"SELECT count(*) FROM {table} WHERE status_id = ?", (s.id,))
        assert row[0] == 0, table


async def test_deleting_an_account_cascades_its_statuses(store):
    bob = remote_account("bob", "r.test")
    await store.accounts.insert(bob)
    s = status(bob, tags=["x"])
    await store.statuses.insert(s)
    await store.accounts.delete(bob.id)
    assert await store.statuses.get(s.id) is None
    row = await store.database.fetchone("SELECT count(*) FROM status_tags")
    assert row[0] == 0


async def test_activities_public_page(store):
    alice = local_account("alice")
    await store.accounts.insert(alice)
    kinds = [("Create", "public"), ("Announce", "unlisted"), ("Create", "private"),
             ("Create", "direct"), ("Like", "public"), ("Follow", "public"),
             ("Update", "public"), ("Delete", "public"), ("Create", "unlisted")]
    ids = {}
    for type_, vis in kinds:
        aid = new_id()
        uri = f"{alice.uri}/activities/{aid}"
        await store.activities.insert(Activity(
            id=aid, uri=uri, account_id=alice.id, type=type_, visibility=vis,
            body={"id": uri, "type": type_}, created_at=time.time()))
        ids[aid] = (type_, vis)

    page = await store.activities.public_page(alice.id, limit=2)
    assert page.total == 3
    rest = await store.activities.public_page(alice.id, max_id=page.next_max_id, limit=2)
    items = page.items + rest.items
    assert rest.next_max_id is None
    expected = [i for i, (t, v) in ids.items() if t in ("Create", "Announce") and v in ("public", "unlisted")]
    assert [a.id for a in items] == sorted(expected, reverse=True)
    assert all(isinstance(a.body, dict) and a.body["type"] == a.type for a in items)

    one = items[0]
    assert (await store.activities.by_uri(one.uri)).id == one.id
    assert (await store.activities.by_id(one.id)).uri == one.uri


# Writer robustness -------------------------------------------------------------

@sqlite_only
async def test_op_raising_cancelled_error_does_not_kill_the_writer(tmp_path):
    store = await open_store(str(tmp_path / "cancel.sqlite3"))

    async def cancelled(tx):
        await tx.settings.set("half", "written")
        raise asyncio.CancelledError()  # e.g. a task the op awaited was cancelled

    try:
        with pytest.raises((asyncio.CancelledError, RuntimeError)):
            await asyncio.wait_for(store.atomic(cancelled), 1)
        # The database keeps accepting writes, and the broken op left nothing behind.
        await asyncio.wait_for(store.settings.set("after", "1"), 1)
        assert await store.settings.get("after") == "1"
        assert await store.settings.get("half") is None
    finally:
        db = store.database
        if db._task is not None and db._task.done():
            db._task = None  # the writer died: just close the connections
        await db.close()


@sqlite_only
async def test_write_racing_close_does_not_hang(tmp_path):
    s = await open_store(str(tmp_path / "race.sqlite3"))
    closing = asyncio.create_task(s.close())
    await asyncio.sleep(0)  # close() has queued its stop sentinel and waits for the writer
    outcome = None
    try:
        # Either the write lands or it is refused; it must not wait forever (TimeoutError fails).
        await asyncio.wait_for(s.settings.set("k", "v"), 1)
        outcome = "written"
    except RuntimeError:
        outcome = "refused"
    finally:
        await closing
    assert outcome in ("written", "refused")
