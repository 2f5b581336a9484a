"""Moving an instance from SQLite to PostgreSQL: `fedi db copy --to URL` copies everything
into an empty database, refuses one that holds data, and the instance started on the copy
keeps federating under the same keys, tokens and URLs."""

import asyncio
import sqlite3

import pytest

from fedi import cli
from fedi.activitypub.vocab import PUBLIC
from fedi.storage.copy import copy_sqlite_to_postgresql
from fedi.storage.interfaces import open_store
from fedi.storage.sqlite.db import migration_files as sqlite_migrations
from tests import pg
from tests.harness import backend, needs_postgresql

pytestmark = [needs_postgresql,
              pytest.mark.skipif(backend() != "sqlite", reason="copies a SQLite instance")]


async def test_an_instance_copied_to_postgresql_keeps_federating(fed, pair):
    personal, pro, tokens = pair
    status, body, before = await pro.post_outbox("bob", tokens["bob"], {
        "type": "Note", "content": "before the move", "to": [PUBLIC], "cc": [pro.actor("bob") + "/followers"]})
    assert status == 201, body
    await fed.settle()
    port, path = pro.server.port, str(pro.config.resolve_path(pro.config.database.path))
    source = await open_store(path)
    try:
        counts = {t: (await source.database.fetchone(f"SELECT count(*) FROM {t}"))[0]
                  for t in ("accounts", "users", "statuses", "follows", "tokens", "activities", "jobs")}
    finally:
        await source.close()
    await fed.stop("pro.test")

    url = await pg.fresh_database()
    fed.databases["pro.test (copy)"] = url  # dropped with the federation
    lines = []
    copied = await copy_sqlite_to_postgresql(path, url, progress=lines.append)
    for table, count in counts.items():
        assert copied[table] == count, (table, copied[table], count)
    assert any(line.startswith("statuses: ") for line in lines)

    pro = await fed.start("pro.test", "professional", port=port, database={"url": url})
    # Bob's token from before the move still works; his post is still there.
    status, doc = await pro.api("GET", "/api/v1/accounts/verify_credentials", tokens["bob"])
    assert status == 200 and doc["username"] == "bob", doc
    assert await pro.state.store.statuses.by_uri(before.removesuffix("/activity")) is not None

    # A post after the move reaches the follower on the other server, signed with the same key.
    status, body, after = await pro.post_outbox("bob", tokens["bob"], {
        "type": "Note", "content": "after the move", "to": [PUBLIC], "cc": [pro.actor("bob") + "/followers"]})
    assert status == 201, body
    await fed.settle()
    creates = [i["object"]["id"] for i in await personal.inbox_items("alice", tokens["alice"])
               if i["type"] == "Create"]
    assert after.removesuffix("/activity") in creates

    # A new follower from the other server: the request arrives, bob approves, the Accept lands.
    await personal.user("carol")
    carol = await personal.token("carol")
    status, body, follow_id = await personal.post_outbox("carol", carol, {"type": "Follow", "object": pro.actor("bob")})
    assert status == 201, body
    await fed.settle()
    status, body, _ = await pro.post_outbox("bob", tokens["bob"], {"type": "Accept", "object": follow_id})
    assert status == 201, body
    await fed.settle()
    status, rel = await personal.api("GET", "/api/v1/accounts/relationships?id[]="
                                     + (await personal.state.store.accounts.by_uri(pro.actor("bob"))).id, carol)
    assert status == 200 and rel[0]["following"] is True, rel


async def test_the_copy_command_refuses_a_target_that_holds_data(tmp_path, capsys):
    db = tmp_path / "fedi.sqlite3"
    config = tmp_path / "fedi.toml"
    config.write_text('[instance]\nbase_url = "https://move.test"\n[database]\npath = "fedi.sqlite3"\n',
                      encoding="utf-8")
    assert await _cli(["--config", str(config), "account", "create", "ann", "--email", "ann@move.test",
                       "--password", "a-long-password"]) == 0
    url = await pg.fresh_database()
    try:
        assert await _cli(["--config", str(config), "db", "copy", "--to", url]) == 0
        out = capsys.readouterr().out
        assert "every table's count matches" in out and "\naccounts: 1 row\n" in out, out

        # A second copy into the same database is refused in one line, and changes nothing.
        assert await _cli(["--config", str(config), "db", "copy", "--to", url]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("fedi: the target already holds data") and "\n" not in err, err
        store = await open_store(url)
        try:
            assert (await store.database.fetchone("SELECT count(*) FROM accounts"))[0] == 1
            ann = await store.accounts.by_handle("ann", None)
            user = await store.users.get(ann.id)
            assert user.email == "ann@move.test" and user.private_key_pem.startswith("-----BEGIN")
        finally:
            await store.close()
    finally:
        await pg.drop_database(url)

    # A database left at an older schema (fedi upgraded, not migrated): one line naming the fix.
    latest = max(version for version, _, _ in sqlite_migrations())
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM schema_migrations WHERE version = ?", (latest,))
    assert await _cli(["--config", str(config), "db", "copy", "--to", url]) == 2
    err = capsys.readouterr().err.strip()
    assert f"schema version {latest - 1}" in err and "fedi migrate" in err and "\n" not in err, err

    # Not a PostgreSQL URL, or no SQLite database where the config says: one line, non-zero.
    assert await _cli(["--config", str(config), "db", "copy", "--to", "mysql://x/y"]) == 2
    assert capsys.readouterr().err.startswith("fedi: --to must be a postgresql:// URL")
    db.rename(tmp_path / "elsewhere.sqlite3")
    assert await _cli(["--config", str(config), "db", "copy", "--to", url]) == 2
    assert capsys.readouterr().err.startswith("fedi: no SQLite database at")


async def _cli(argv: list[str]) -> int:
    """The CLI runs its own event loop: run it in a thread from this test's loop."""
    return await asyncio.to_thread(cli.main, argv)
