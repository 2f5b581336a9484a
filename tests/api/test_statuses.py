"""Statuses and timelines of the client API, driven with Mastodon.py and raw HTTP."""

import asyncio
import re

import pytest
from mastodon import MastodonNotFoundError

from fedi.services import follows, remote
from tests.api.conftest import call, client


async def req(inst, method, path, token=None, **kwargs):
    """(status, JSON body, headers) of a raw request."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with inst.session.request(method, inst.base + path, headers={**headers, **kwargs.pop("headers", {})},
                                    **kwargs) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers


async def local(inst, username):
    return await inst.state.store.accounts.by_handle(username, None)


@pytest.fixture
async def site(fed):
    inst = await fed.start("personal.test")
    for name in ("alice", "bob", "carol"):
        await inst.user(name)
    inst.tokens = {name: await inst.token(name) for name in ("alice", "bob", "carol")}
    inst.api = {name: client(inst, token) for name, token in inst.tokens.items()}
    return inst


def links(headers) -> dict:
    """rel → URL of a Link header."""
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', headers.get("Link", ""))}


async def test_post_then_read_it_back(site):
    alice = site.api["alice"]
    posted = await call(alice.status_post, "hello #world", spoiler_text="cw", language="en")
    assert posted["content"].startswith("<p>hello")
    assert posted["visibility"] == "public" and posted["sensitive"] is True
    assert posted["spoiler_text"] == "cw" and posted["language"] == "en"
    assert posted["account"]["acct"] == "alice"
    assert [t["name"] for t in posted["tags"]] == ["world"]

    fetched = await call(site.api["bob"].status, posted["id"])
    assert fetched["id"] == posted["id"] and fetched["favourited"] is False
    status, anonymous, _ = await req(site, "GET", f"/api/v1/statuses/{posted['id']}/")
    assert status == 200 and anonymous["id"] == str(posted["id"])
    assert "favourited" not in anonymous

    status, many, _ = await req(site, "GET", f"/api/v1/statuses?id[]={posted['id']}&id[]=404")
    assert status == 200 and [s["id"] for s in many] == [str(posted["id"])]


async def test_posting_errors(site):
    read_only = await site.token("alice", "read")
    assert (await req(site, "POST", "/api/v1/statuses", read_only, data={"status": "x"}))[0] == 403
    assert (await req(site, "POST", "/api/v1/statuses", data={"status": "x"}))[0] == 401
    token = site.tokens["alice"]
    status, body, _ = await req(site, "POST", "/api/v1/statuses", token, data={"status": "  "})
    assert (status, body) == (422, {"error": "Validation failed: Text can't be blank"})
    status, body, _ = await req(site, "POST", "/api/v1/statuses/", token, json={"status": "x", "media_ids": ["1"]})
    assert status == 422 and body["error"] == "Media with ID 1 not found"
    status, body, _ = await req(site, "POST", "/api/v1/statuses", token,
                                json={"status": "x", "poll": {"options": ["a"], "expires_in": 600}})
    assert status == 422 and "2 to 4 options" in body["error"]
    status, body, _ = await req(site, "POST", "/api/v1/statuses", token,
                                data={"status": "x", "scheduled_at": "not a date"})
    assert status == 422 and "scheduled_at" in body["error"]
    status, body, _ = await req(site, "POST", "/api/v1/statuses", token, data={"status": "x", "visibility": "nope"})
    assert status == 422
    status, body, _ = await req(site, "POST", "/api/v1/statuses", token, data={"status": "x", "in_reply_to_id": "1"})
    assert status == 404
    assert (await req(site, "GET", "/api/v1/statuses/12345"))[:2] == (404, {"error": "Record not found"})


async def test_idempotency_key_returns_the_same_status(site):
    alice = site.api["alice"]
    first = await call(alice.status_post, "once", idempotency_key="k1")
    again = await call(alice.status_post, "once", idempotency_key="k1")
    other = await call(alice.status_post, "once", idempotency_key="k2")
    assert first["id"] == again["id"] != other["id"]
    by_bob = await call(site.api["bob"].status_post, "once", idempotency_key="k1")
    assert by_bob["id"] != first["id"]
    token, headers = site.tokens["carol"], {"Idempotency-Key": "same"}
    racing = await asyncio.gather(*(req(site, "POST", "/api/v1/statuses", token, headers=headers,
                                        data={"status": "racing"}) for _ in range(3)))
    assert len({body["id"] for _, body, _ in racing}) == 1
    for name, count in (("alice", 2), ("carol", 1)):
        account = await local(site, name)
        assert await site.state.store.statuses.count(account.id) == count


async def test_context_of_a_reply_thread(site):
    alice, bob = site.api["alice"], site.api["bob"]
    root = await call(alice.status_post, "root")
    reply = await call(bob.status_post, "@alice reply", in_reply_to_id=root["id"])
    deeper = await call(alice.status_post, "@bob deeper", in_reply_to_id=reply["id"])
    sibling = await call(bob.status_post, "sibling", in_reply_to_id=root["id"])
    secret = await call(bob.status_post, "only alice", in_reply_to_id=root["id"], visibility="direct")
    assert reply["in_reply_to_id"] == root["id"]

    ctx = await call(alice.status_context, reply["id"])
    assert [s["id"] for s in ctx["ancestors"]] == [root["id"]]
    assert [s["id"] for s in ctx["descendants"]] == [deeper["id"]]

    ctx = await call(alice.status_context, root["id"])
    assert [s["id"] for s in ctx["descendants"]] == [reply["id"], sibling["id"], secret["id"], deeper["id"]]
    status, anonymous, _ = await req(site, "GET", f"/api/v1/statuses/{root['id']}/context")
    assert status == 200 and anonymous["ancestors"] == []
    assert [s["id"] for s in anonymous["descendants"]] == [str(i) for i in (reply["id"], sibling["id"], deeper["id"])]


async def test_favourite_and_reblog_counts_and_flags(site):
    post = await call(site.api["alice"].status_post, "boost me")
    bob = site.api["bob"]

    faved = await call(bob.status_favourite, post["id"])
    assert faved["favourited"] is True and faved["favourites_count"] == 1
    boost = await call(bob.status_reblog, post["id"])
    assert boost["id"] != post["id"] and boost["reblog"]["id"] == post["id"]
    assert boost["reblogged"] is True and boost["reblog"]["reblogs_count"] == 1
    assert boost["account"]["acct"] == "bob"
    seen = await call(site.api["carol"].status, post["id"])
    assert (seen["favourites_count"], seen["reblogs_count"], seen["favourited"], seen["reblogged"]) == (1, 1, False, False)
    assert [a["acct"] for a in await call(bob.status_favourited_by, post["id"])] == ["bob"]
    assert [a["acct"] for a in await call(bob.status_reblogged_by, post["id"])] == ["bob"]

    undone = await call(bob.status_unreblog, post["id"])
    assert undone["id"] == post["id"] and undone["reblogged"] is False and undone["reblogs_count"] == 0
    unfaved = await call(bob.status_unfavourite, post["id"])
    assert unfaved["favourited"] is False and unfaved["favourites_count"] == 0
    assert (await call(bob.status_bookmark, post["id"]))["bookmarked"] is True
    assert [s["id"] for s in await call(bob.bookmarks)] == [post["id"]]
    assert (await call(bob.status_unbookmark, post["id"]))["bookmarked"] is False


async def test_pin_own_public_posts_only(site):
    alice = site.api["alice"]
    post = await call(alice.status_post, "pin me")
    assert (await call(alice.status_pin, post["id"]))["pinned"] is True
    assert (await call(alice.status_unpin, post["id"]))["pinned"] is False
    private = await call(alice.status_post, "friends", visibility="private")
    token = site.tokens["alice"]
    assert (await req(site, "POST", f"/api/v1/statuses/{private['id']}/pin", token))[0] == 422
    assert (await req(site, "POST", f"/api/v1/statuses/{post['id']}/pin", site.tokens["bob"]))[0] == 422


async def test_edit_history_and_source(site):
    alice = site.api["alice"]
    post = await call(alice.status_post, "first draft")
    edited = await call(alice.status_update, post["id"], "second draft", spoiler_text="cw")
    assert edited["id"] == post["id"] and "second draft" in edited["content"]
    assert edited["edited_at"] is not None and edited["spoiler_text"] == "cw"

    history = await call(alice.status_history, post["id"])
    assert len(history) == 2 and "first draft" in history[0]["content"] and history[0]["spoiler_text"] == ""
    assert history[0]["created_at"] == post["created_at"]
    assert "second draft" in history[-1]["content"] and history[-1]["account"]["acct"] == "alice"
    assert history[-1]["media_attachments"] == [] and history[-1]["emojis"] == []
    source = await call(alice.status_source, post["id"])
    assert (source["id"], source["text"], source["spoiler_text"]) == (post["id"], "second draft", "cw")
    status, _, _ = await req(site, "PUT", f"/api/v1/statuses/{post['id']}", site.tokens["bob"], data={"status": "x"})
    assert status == 404


async def test_delete_returns_source_then_404(site):
    alice = site.api["alice"]
    post = await call(alice.status_post, "short-lived")
    assert (await req(site, "DELETE", f"/api/v1/statuses/{post['id']}", site.tokens["bob"]))[0] == 404
    deleted = await call(alice.status_delete, post["id"])
    assert deleted["id"] == post["id"] and deleted["text"] == "short-lived"
    with pytest.raises(MastodonNotFoundError):
        await call(alice.status, post["id"])


async def test_home_timeline_has_own_and_followed_posts(site):
    alice, bob = [await local(site, n) for n in ("alice", "bob")]
    await follows.follow(site.state, bob, alice)
    by_alice = await call(site.api["alice"].status_post, "from alice")
    by_bob = await call(site.api["bob"].status_post, "from bob")
    by_carol = await call(site.api["carol"].status_post, "from carol")

    home = await call(site.api["bob"].timeline_home)
    assert [s["id"] for s in home] == [by_bob["id"], by_alice["id"]]
    assert by_carol["id"] not in [s["id"] for s in await call(site.api["alice"].timeline_home)]
    assert (await req(site, "GET", "/api/v1/timelines/home"))[0] == 401
    assert (await req(site, "GET", "/api/v1/timelines/home/", site.tokens["carol"]))[0] == 200


async def test_followers_only_posts_are_hidden_from_others(site):
    await follows.follow(site.state, await local(site, "bob"), await local(site, "alice"))
    secret = await call(site.api["alice"].status_post, "followers only", visibility="private")
    path = f"/api/v1/statuses/{secret['id']}"
    assert (await req(site, "GET", path))[0] == 404
    assert (await req(site, "GET", path, site.tokens["carol"]))[0] == 404
    assert (await req(site, "GET", path, site.tokens["bob"]))[0] == 200
    assert (await req(site, "POST", path + "/favourite", site.tokens["carol"]))[0] == 404
    assert secret["id"] in [s["id"] for s in await call(site.api["bob"].timeline_home)]
    assert secret["id"] not in [s["id"] for s in await call(site.api["carol"].timeline_public)]


async def test_public_local_and_tag_timelines(site):
    shown = await call(site.api["alice"].status_post, "out loud #fedi")
    quiet = await call(site.api["alice"].status_post, "quietly", visibility="unlisted")
    anonymous = client(site)
    public = [s["id"] for s in await call(anonymous.timeline_public)]
    assert shown["id"] in public and quiet["id"] not in public
    assert [s["id"] for s in await call(anonymous.timeline_local)] == [shown["id"]]
    assert await call(anonymous.timeline_public, remote=True) == []
    assert [s["id"] for s in await call(anonymous.timeline_hashtag, "Fedi")] == [shown["id"]]
    status, body, _ = await req(site, "GET", "/api/v1/timelines/list/1", site.tokens["alice"])
    assert (status, body) == (404, {"error": "Record not found"})


async def test_list_timeline_keeps_to_members(site):
    alice, bob, carol = [await local(site, n) for n in ("alice", "bob", "carol")]
    await follows.follow(site.state, bob, alice)
    await follows.follow(site.state, bob, carol)
    api = site.api["bob"]
    friends = await call(api.list_create, "friends")
    await call(api.list_accounts_add, friends["id"], [alice.id])
    post = await call(site.api["alice"].status_post, "in the list")
    await call(site.api["carol"].status_post, "not in the list")
    own_thread = await call(site.api["alice"].status_post, "@carol hi", in_reply_to_id=post["id"])
    carol_post = await call(site.api["carol"].status_post, "carol again")
    await call(site.api["alice"].status_post, "@carol hi", in_reply_to_id=carol_post["id"])
    bob_post = await call(api.status_post, "bob")
    to_bob = await call(site.api["alice"].status_post, "@bob hi", in_reply_to_id=bob_post["id"])

    assert [s["id"] for s in await call(api.timeline_list, friends["id"])] == [to_bob["id"], own_thread["id"], post["id"]]
    status, page, headers = await req(site, "GET", f"/api/v1/timelines/list/{friends['id']}?limit=1",
                                      site.tokens["bob"])
    assert [s["id"] for s in page] == [str(to_bob["id"])] and "next" in links(headers)
    status, _, _ = await req(site, "GET", f"/api/v1/timelines/list/{friends['id']}", site.tokens["carol"])
    assert status == 404


async def test_paging_with_link_headers(site):
    token = site.tokens["alice"]
    ids = [(await call(site.api["alice"].status_post, f"post {n}"))["id"] for n in range(5)]
    ids = [str(i) for i in ids][::-1]  # newest first

    status, page, headers = await req(site, "GET", "/api/v1/timelines/home?limit=2", token)
    assert status == 200 and [s["id"] for s in page] == ids[:2]
    nxt = links(headers)["next"]
    assert nxt.startswith(site.base) and f"max_id={ids[1]}" in nxt and "limit=2" in nxt
    assert f"min_id={ids[0]}" in links(headers)["prev"]
    status, page, _ = await req(site, "GET", nxt[len(site.base):], token)
    assert [s["id"] for s in page] == ids[2:4]

    _, page, _ = await req(site, "GET", f"/api/v1/timelines/home?since_id={ids[3]}&limit=2", token)
    assert [s["id"] for s in page] == ids[:2]
    _, page, _ = await req(site, "GET", f"/api/v1/timelines/home?min_id={ids[3]}&limit=2", token)
    assert [s["id"] for s in page] == ids[1:3]
    _, page, headers = await req(site, "GET", f"/api/v1/timelines/public?local=true&max_id={ids[0]}", token)
    assert [s["id"] for s in page] == ids[1:] and "Link" in headers
    _, page, headers = await req(site, "GET", f"/api/v1/timelines/public?max_id={ids[-1]}")
    assert page == [] and "Link" not in headers
    _, _, headers = await req(site, "GET", "/api/v1/timelines/home?x[]=a&x[]=b&limit=1", token)
    assert "x%5B%5D=a&x%5B%5D=b&limit=1&max_id=" in links(headers)["next"]  # repeated ones survive


async def test_remote_post_reaches_a_local_followers_home(fed):
    personal = await fed.start("personal.test")
    pro = await fed.start("pro.test", "professional")
    alice = await personal.user("alice")
    bob = await pro.user("bob")
    bob_remote = await remote.account_by_uri(personal.state, pro.actor("bob"))
    await follows.follow(personal.state, alice, bob_remote)
    await fed.settle()
    alice_remote = await pro.state.store.accounts.by_uri(personal.actor("alice"))
    await follows.accept(pro.state, bob, alice_remote)
    await fed.settle()

    posted = await call(client(pro, await pro.token("bob")).status_post, "news from pro")
    assert posted["visibility"] == "private"
    await fed.settle()

    home = await call(client(personal, await personal.token("alice")).timeline_home)
    assert [s["uri"] for s in home] == [posted["uri"]]
    assert home[0]["account"]["acct"] == f"bob@{pro.domain}" and "news from pro" in home[0]["content"]
    assert (await req(personal, "GET", f"/api/v1/statuses/{home[0]['id']}"))[0] == 404


async def test_a_content_warning_over_the_limit_is_refused_on_every_face(site):
    """One rule for every face: the client API refuses what the web page refuses."""
    token = site.tokens["alice"]
    long_cw = "w" * 501
    for body in ({"status": "hello", "spoiler_text": long_cw},
                 {"status": "later", "spoiler_text": long_cw, "scheduled_at": "2099-01-01T00:00:00Z"}):
        status, doc, _ = await req(site, "POST", "/api/v1/statuses", token, json=body)
        assert status == 422 and "content warning" in doc["error"], (status, doc)
    status, post, _ = await req(site, "POST", "/api/v1/statuses", token, json={"status": "x", "spoiler_text": "w" * 500})
    assert status == 200 and post["spoiler_text"] == "w" * 500
    status, doc, _ = await req(site, "PUT", f"/api/v1/statuses/{post['id']}", token,
                            json={"status": "x", "spoiler_text": long_cw})
    assert status == 422 and "content warning" in doc["error"]


async def test_timelines_read_before_an_edit_show_the_edit_after_it(fed):
    """Pages keep the records they read between requests; an edit, a profile change and a
    deletion still show at once on the home and public timelines."""
    inst = await fed.start("personal.test")
    await inst.user("alice")
    await inst.user("ben")
    alice, ben = client(inst, await inst.token("alice")), client(inst, await inst.token("ben"))
    await call(ben.account_follow, (await call(alice.me))["id"])
    post = await call(alice.status_post, "first words")
    boost = await call(ben.status_reblog, post["id"])
    alice_id = (await call(alice.me))["id"]
    for _ in range(2):  # read twice: the second read uses what the first one kept
        home = await call(ben.timeline_home)
        assert home[0]["reblog"]["content"] == "<p>first words</p>"
        mine = await call(alice.notifications)
        assert mine[0]["type"] == "reblog" and mine[0]["status"]["content"] == "<p>first words</p>"
        assert (await call(ben.account_statuses, alice_id))[0]["content"] == "<p>first words</p>"
    await call(alice.status_update, post["id"], "second words")
    await call(alice.account_update_credentials, display_name="Alice Edited")
    assert (await call(alice.me))["display_name"] == "Alice Edited"  # her token's account, kept too
    assert (await call(alice.notifications))[0]["status"]["content"] == "<p>second words</p>"
    shown = (await call(ben.account_statuses, alice_id))[0]
    assert shown["content"] == "<p>second words</p>" and shown["account"]["display_name"] == "Alice Edited"
    home = await call(ben.timeline_home)
    assert [s["id"] for s in home] == [boost["id"], post["id"]]
    assert home[0]["reblog"]["content"] == "<p>second words</p>" and home[1]["content"] == "<p>second words</p>"
    assert home[1]["account"]["display_name"] == "Alice Edited"
    assert (await call(ben.timeline_public))[0]["account"]["display_name"] == "Alice Edited"
    await call(alice.status_delete, post["id"])
    assert await call(ben.timeline_home) == [] and await call(ben.timeline_public) == []
