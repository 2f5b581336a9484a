"""Accounts, relationships, follow requests, notifications and search through Mastodon.py."""

import aiohttp
import pytest
from mastodon.errors import MastodonAPIError, MastodonNotFoundError, MastodonUnauthorizedError

from tests.api.conftest import call, client, req
from tests.harness import wait_for


async def test_credentials_profile_and_lookup(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    api = client(inst, await inst.token("alice"))
    me = await call(api.account_verify_credentials)
    assert me["username"] == "alice" and me["acct"] == "alice" and me["source"]["privacy"] == "public"
    updated = await call(api.account_update_credentials, display_name="Alice A", note="Hi #there",
                         fields=[("Site", "https://alice.example"), ("Pronouns", "she/her")],
                         locked=True)
    assert updated["display_name"] == "Alice A" and updated["locked"] is True
    assert [f["name"] for f in updated["fields"]] == ["Site", "Pronouns"]
    assert 'href="https://alice.example"' in updated["fields"][0]["value"]
    assert updated["source"]["note"].startswith("Hi #there")
    found = await call(api.account_lookup, "alice")
    assert found["id"] == me["id"] and found["display_name"] == "Alice A"
    with pytest.raises(MastodonNotFoundError):
        await call(api.account_lookup, "nobody")
    anon = client(inst)
    assert (await call(anon.account, me["id"]))["username"] == "alice"
    with pytest.raises(MastodonUnauthorizedError):
        await call(anon.account_verify_credentials)


async def test_local_follow_relationships_and_notifications(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    await inst.user("ben")
    alice = client(inst, await inst.token("alice"))
    ben = client(inst, await inst.token("ben"))
    ben_id = (await call(ben.account_verify_credentials))["id"]
    rel = await call(alice.account_follow, ben_id)
    assert rel["following"] is True and rel["requested"] is False
    assert (await call(ben.account_relationships, (await call(alice.me))["id"]))[0]["followed_by"] is True
    assert [a["username"] for a in await call(alice.account_following, (await call(alice.me))["id"])] == ["ben"]
    assert [a["username"] for a in await call(ben.account_followers, ben_id)] == ["alice"]
    notes = await call(ben.notifications)
    assert [n["type"] for n in notes] == ["follow"] and notes[0]["account"]["username"] == "alice"
    assert (await call(ben.notifications, id=notes[0]["id"]))["id"] == notes[0]["id"]
    await call(ben.notifications_dismiss, notes[0]["id"])
    assert await call(ben.notifications) == []
    rel = await call(alice.account_unfollow, ben_id)
    assert rel["following"] is False
    rel = await call(alice.account_block, ben_id)
    assert rel["blocking"] is True
    with pytest.raises(MastodonAPIError):
        await call(ben.account_follow, (await call(alice.me))["id"])


async def test_cross_instance_follow_request_via_search(fed):
    # both instances run their job workers, so federation happens as it would live
    personal = await fed.start("personal.test", "personal", run_workers=True)
    pro = await fed.start("pro.test", "professional", run_workers=True)
    await personal.user("alice")
    await pro.user("bob")
    alice = client(personal, await personal.token("alice"))
    bob = client(pro, await pro.token("bob"))

    # alice finds bob by handle, resolving him through WebFinger
    results = await call(alice.search_v2, f"@bob@{pro.domain}", resolve=True, result_type="accounts")
    assert [a["acct"] for a in results["accounts"]] == [f"bob@{pro.domain}"]
    remote_bob = results["accounts"][0]
    assert remote_bob["locked"] is True  # professional accounts approve connections

    rel = await call(alice.account_follow, remote_bob["id"])
    assert rel["requested"] is True and rel["following"] is False

    async def bob_sees_request():
        return await call(bob.follow_requests)

    requests = await wait_for(bob_sees_request, timeout=10)
    assert requests[0]["acct"] == f"alice@{personal.domain}"
    await call(bob.follow_request_authorize, requests[0]["id"])

    async def accepted():
        rels = await call(alice.account_relationships, remote_bob["id"])
        return rels[0]["following"]

    await wait_for(accepted, timeout=10)
    notes = [n["type"] for n in await call(bob.notifications)]
    assert notes == ["follow_request"]


async def test_search_hashtags_and_errors(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    token = await inst.token("alice")
    from fedi.services import statuses

    account = await inst.state.store.accounts.by_handle("alice", None)
    await statuses.create(inst.state, account, "learning #python and #pytest")
    api = client(inst, token)
    found = await call(api.search_v2, "py", result_type="hashtags")
    assert sorted(t["name"] for t in found["hashtags"]) == ["pytest", "python"]
    assert (await call(api.search_v2, "ali", result_type="accounts"))["accounts"][0]["username"] == "alice"
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{inst.base}/api/v1/accounts/verify_credentials/",
                         headers={"Authorization": "Bearer nope"}) as r:
            assert r.status == 401 and (await r.json())["error"]
        async with s.get(f"{inst.base}/api/v1/accounts/999999") as r:
            assert r.status == 404 and r.headers["Access-Control-Allow-Origin"] == "*"


async def test_avatar_and_header_upload(fed):
    import io

    from PIL import Image

    inst = await fed.start("personal.test")
    await inst.user("alice")
    api = client(inst, await inst.token("alice"))
    buf = io.BytesIO()
    Image.new("RGB", (120, 120), (10, 120, 200)).save(buf, "PNG")
    me = await call(api.account_update_credentials, avatar=buf.getvalue(), avatar_mime_type="image/png",
                    header=buf.getvalue(), header_mime_type="image/png")
    assert me["avatar"].startswith(f"{inst.base}/media/") and me["header"].startswith(f"{inst.base}/media/")
    async with aiohttp.ClientSession() as s:
        async with s.get(me["avatar"]) as r:
            assert r.status == 200 and r.headers["Content-Type"] == "image/png"
    # and the actor document federates it as its icon
    code, actor = await inst.get_json("/users/alice")
    assert actor["icon"]["url"] == me["avatar"] and actor["image"]["url"] == me["header"]


async def test_familiar_followers_are_the_mutuals(fed):
    from fedi.services import follows

    inst = await fed.start("personal.test")
    alice, ben, carol, dan = [await inst.user(n) for n in ("alice", "ben", "carol", "dan")]
    await follows.follow(inst.state, alice, ben)      # alice follows ben ...
    await follows.follow(inst.state, ben, carol)      # ... who follows carol
    await follows.follow(inst.state, dan, carol)      # dan follows carol, but alice does not follow dan
    api = client(inst, await inst.token("alice"))
    result = await call(api.account_familiar_followers, [carol.id])
    assert [(r["id"], [a["username"] for a in r["accounts"]]) for r in result] == [(carol.id, ["ben"])]


async def test_blocking_clears_the_blocked_accounts_notifications(fed):
    """As Mastodon does after a block: what the blocked account caused goes from the
    notifications (on both pages of them), and nothing new comes from it; others' stay."""
    inst = await fed.start("personal.test")
    for name in ("alice", "ben", "carol"):
        await inst.user(name)
    alice, ben, carol = [client(inst, await inst.token(n)) for n in ("alice", "ben", "carol")]
    alice_id = (await call(alice.me))["id"]
    ben_id = (await call(ben.me))["id"]
    post = await call(alice.status_post, "hello")
    for other in (ben, carol):
        await call(other.status_favourite, post["id"])
        await call(other.status_post, "@alice hi")
    await call(ben.account_follow, alice_id)
    assert {n["account"]["username"] for n in await call(alice.notifications)} == {"ben", "carol"}

    await call(alice.account_block, ben_id)
    notes = await call(alice.notifications)
    assert sorted(n["type"] for n in notes) == ["favourite", "mention"]
    assert {n["account"]["username"] for n in notes} == {"carol"}
    status, grouped = await req(inst, "GET", "/api/v2/notifications", await inst.token("alice"))
    assert status == 200 and {a["username"] for a in grouped["accounts"]} == {"carol"}
    await call(ben.status_post, "@alice still there?")
    assert {n["account"]["username"] for n in await call(alice.notifications)} == {"carol"}


async def test_muting_notifications_stops_new_ones_from_that_account(fed):
    """A mute that hides notifications keeps new ones from being made (as Mastodon's
    NotifyService); a mute that leaves them does not."""
    inst = await fed.start("personal.test")
    for name in ("alice", "ben", "carol"):
        await inst.user(name)
    alice, ben, carol = [client(inst, await inst.token(n)) for n in ("alice", "ben", "carol")]
    ben_id, carol_id = (await call(ben.me))["id"], (await call(carol.me))["id"]
    await call(alice.account_mute, ben_id)  # notifications too, by default
    await call(alice.account_mute, carol_id, notifications=False)
    await call(ben.status_post, "@alice one")
    await call(carol.status_post, "@alice two")
    assert [n["account"]["username"] for n in await call(alice.notifications)] == ["carol"]
    await call(alice.account_unmute, ben_id)
    await call(ben.status_post, "@alice three")
    assert [n["account"]["username"] for n in await call(alice.notifications)] == ["ben", "carol"]
