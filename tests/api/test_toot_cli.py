"""The client API through toot, the Mastodon command-line client, run in-process.

toot's click commands run through click's CliRunner in a worker thread, so the instances keep
serving on the event loop; its configuration and cache live in a temporary directory. alice
(personal instance) and bob (professional instance) are both logged in to the same toot
configuration, which switches between them with `--as`.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import traceback

import pytest
from click.testing import CliRunner

from tests.harness import wait_for


class Toot:
    def __init__(self, cli):
        self.cli = cli
        self.runner = CliRunner()

    async def run(self, *args: str, user: str | None = None):
        """Run `toot [--as user] args...` and return click's result."""
        argv = ["--no-color", *(["--as", user] if user else []), *args]
        return await asyncio.to_thread(self.runner.invoke, self.cli, argv)

    async def ok(self, *args: str, user: str | None = None) -> str:
        result = await self.run(*args, user=user)
        if result.exit_code != 0:
            crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
            detail = "".join(traceback.format_exception(*result.exc_info)) if crashed else ""
            pytest.fail(f"toot {' '.join(args)} exited {result.exit_code}:\n{result.output}\n{detail}")
        return result.stdout

    async def json(self, *args: str, user: str | None = None):
        return json.loads(await self.ok(*args, "--json", user=user))


@pytest.fixture
def toot(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("LINES", "1000")  # the pager never stops to ask for a key
    monkeypatch.delenv("TOOT_TESTING", raising=False)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, ".test,127.0.0.1")
    settings = importlib.import_module("toot.settings")
    monkeypatch.setattr(settings, "DISABLE_SETTINGS", True)  # no settings.toml of the user's
    settings.get_settings.cache_clear()
    return Toot(importlib.import_module("toot.cli").cli)


async def test_toot_between_two_instances(fed, toot):
    personal = await fed.start("personal.test", "personal", run_workers=True)
    pro = await fed.start("pro.test", "professional", run_workers=True)
    await personal.user("alice")
    await pro.user("bob")
    alice, bob = f"alice@{personal.domain}", f"bob@{pro.domain}"

    # log-in with e-mail and password; both accounts kept, the last one active
    for inst, email in ((personal, "alice@personal.test"), (pro, "bob@pro.test")):
        out = await toot.ok("login_cli", "--instance", inst.base, "--email", email,
                            "--password", "password123")
        assert "Successfully logged in" in out
    listed = await toot.ok("auth")
    assert alice in listed and bob in listed and f"{bob} ACTIVE" in listed
    assert f"Account {alice} activated" in await toot.ok("activate", alice)
    me = await toot.json("whoami")
    assert (me["acct"], me["username"]) == ("alice", "alice")
    assert (await toot.json("whoami", user=bob))["acct"] == "bob"
    assert (await toot.ok("whoami")).startswith("@alice")
    assert (await toot.json("instance"))["uri"] == personal.domain
    assert f"{personal.domain}\nrunning Mastodon" in await toot.ok("instance")

    # posts with a content warning and a visibility; the home timeline, page by page
    posted = [await toot.json("post", f"toot post {n}") for n in (1, 2)]
    posted.append(await toot.json("post", "toot post 3", "--spoiler-text", "spoilers ahead",
                                  "--visibility", "unlisted"))
    assert posted[2]["spoiler_text"] == "spoilers ahead" and posted[2]["visibility"] == "unlisted"
    assert posted[0]["visibility"] == "public" and posted[0]["content"] == "<p>toot post 1</p>"
    home = await toot.json("timelines", "home", "--limit", "2")
    assert [s["id"] for s in home] == [posted[2]["id"], posted[1]["id"]]
    pages = await asyncio.to_thread(_home_pages, alice)
    assert len(pages[0]) == 2
    assert [i for page in pages for i in page] == [p["id"] for p in reversed(posted)]
    paged = await toot.ok("timelines", "home", "--limit", "2", "--pager", "--no-clear")
    assert [paged.index(f"toot post {n}") for n in (3, 2, 1)] == sorted(
        paged.index(f"toot post {n}") for n in (1, 2, 3))

    # alice finds bob on the professional instance and follows: a request until bob accepts
    found = await toot.json("search", f"@{bob}", "--resolve", "--type", "accounts")
    assert [a["acct"] for a in found["accounts"]] == [bob]
    rel = await toot.json("follow", bob)
    assert rel["requested"] is True and rel["following"] is False
    requests = await wait_for(lambda: toot.json("follow-requests", "list", user=bob), timeout=10)
    assert [a["acct"] for a in requests] == [alice]
    assert (await toot.json("follow-requests", "accept", alice, user=bob))["followed_by"] is True

    async def following():
        return [a["acct"] for a in await toot.json("following")] == [bob]

    await wait_for(following, timeout=10)

    # bob's public post reaches alice's home timeline; she favourites, boosts and replies
    bobs = await toot.json("post", "a public post by bob", "--visibility", "public", user=bob)

    async def in_home():
        return [s for s in await toot.json("timelines", "home") if s["uri"] == bobs["uri"]]

    seen = (await wait_for(in_home, timeout=10))[0]
    assert seen["account"]["acct"] == bob and seen["content"] == bobs["content"]
    assert (await toot.json("favourite", seen["id"]))["favourited"] is True
    boost = await toot.json("reblog", seen["id"])
    assert boost["reblog"]["id"] == seen["id"] and boost["reblog"]["reblogged"] is True
    reply = await toot.json("post", f"@{bob} nice one", "--reply-to", seen["id"])
    assert reply["in_reply_to_id"] == seen["id"]
    thread = await toot.json("thread", seen["id"])
    assert thread["ancestors"] == [] and [s["id"] for s in thread["descendants"]] == [reply["id"]]
    assert "nice one" in await toot.ok("thread", seen["id"])

    async def bob_notified():
        notes = await toot.json("notifications", user=bob)
        kinds = {n["type"]: n for n in notes if n["account"]["acct"] == alice}
        return kinds if {"favourite", "reblog", "mention"} <= set(kinds) else None

    notes = await wait_for(bob_notified, timeout=10)
    assert notes["favourite"]["status"]["uri"] == notes["reblog"]["status"]["uri"] == bobs["uri"]
    assert notes["mention"]["status"]["uri"] == reply["uri"]
    assert "nice one" in await toot.ok("notifications", "--type", "mention", user=bob)

    # alice deletes her reply: gone on her instance, and from bob's thread once delivered
    deleted = await toot.json("delete", reply["id"])
    assert deleted["id"] == reply["id"]
    missing = await toot.run("status", reply["id"])
    assert missing.exit_code == 1 and "Record not found" in missing.output

    async def reply_gone():
        return (await toot.json("thread", bobs["id"], user=bob))["descendants"] == []

    await wait_for(reply_gone, timeout=10)


def _home_pages(user_id: str) -> list[list[str]]:
    """The home timeline two at a time through toot's Python API, which follows the Link header."""
    from toot import api, config

    user, app = config.get_user_app(user_id)
    return [[s["id"] for s in page] for page in api.home_timeline_generator(app, user, limit=2)]
