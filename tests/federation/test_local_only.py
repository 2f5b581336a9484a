"""Local-only posts never leave their instance: nothing about them is queued for another
server, they are missing from every ActivityPub collection, and fetching them over
ActivityPub answers 404, signed or not. Local accounts still read them, are notified of
them, reply to, like and boost them, and all of that stays home as well."""

import json

import pytest

from fedi.activitypub.signatures import sign_request
from fedi.activitypub.vocab import AP_ACCEPT
from fedi.services import follows




async def _post(inst, token: str, text: str, **options) -> dict:
    status, doc = await inst.api("POST", "/api/v1/statuses", token, {"status": text, **options})
    assert status == 200, doc
    return doc


async def _deliveries(inst) -> list[dict]:
    """Every delivery job the instance ever queued: {"inbox", "type", "object"}."""
    rows = await inst.state.store.database.fetchall(
        "SELECT jobs.payload, outbound_activities.body FROM jobs "
        "JOIN outbound_activities ON outbound_activities.id = jobs.ref WHERE queue = 'deliver' ORDER BY jobs.id")
    out = []
    for row in rows:
        payload, activity = json.loads(row[0]), json.loads(row[1])
        out.append({"inbox": payload["inbox"], "type": activity["type"], "body": json.dumps(activity)})
    return out


async def _signed_get(inst, url: str, key_id: str, pem: str):
    headers = sign_request("GET", url, {"Accept": AP_ACCEPT}, None, key_id, pem)
    async with inst.session.get(url, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


async def _key_of(inst, username: str) -> tuple[str, str]:
    account = await inst.state.store.accounts.by_handle(username, None)
    return account.public_key_id, (await inst.state.store.users.get(account.id)).private_key_pem


@pytest.fixture
async def town(fed):
    """home.test: alice posts; carol follows her (with notifications), dave does not follow
    anyone. away.test: bob follows alice, carol and dave. Returns (home, away, tokens)."""
    home = await fed.start("home.test", "personal")
    away = await fed.start("away.test", "personal")
    accounts = {name: await home.user(name) for name in ("alice", "carol", "dave")}
    await away.user("bob")
    tokens = {name: await home.token(name) for name in accounts} | {"bob": await away.token("bob")}
    await follows.follow(home.state, accounts["carol"], accounts["alice"], notify=True)
    for name in accounts:  # one at a time: each Follow settles before the next
        status, body, _ = await away.post_outbox(
            "bob", tokens["bob"], {"type": "Follow", "object": home.actor(name)})
        assert status == 201, body
        await fed.settle()
    bob = await home.state.store.accounts.by_uri(away.actor("bob"))
    assert bob is not None
    for name in accounts:
        follow = await home.state.store.follows.get(bob.id, accounts[name].id)
        assert follow is not None and follow.accepted
    return home, away, tokens


async def _new_deliveries(inst, before: list[dict]) -> list[dict]:
    return (await _deliveries(inst))[len(before):]


async def test_a_local_only_post_reaches_local_readers_and_no_other_server(fed, town):
    home, away, tokens = town
    before = await _deliveries(home)

    # A public post, for contrast, goes to bob's server at once
    public = await _post(home, tokens["alice"], "hello everyone")
    sent = await _new_deliveries(home, before)
    assert [d["type"] for d in sent] == ["Create"] and sent[0]["inbox"].startswith(away.base)
    before = await _deliveries(home)

    # When alice posts local-only, mentioning dave here and bob elsewhere
    post = await _post(home, tokens["alice"], f"@dave and @bob@{away.domain}: #town news",
                       visibility="local")
    assert post["visibility"] == "local" and post["local_only"] is True
    assert public["local_only"] is False

    # Then nothing was queued for any other server, and nothing arrived there
    assert await _new_deliveries(home, before) == []
    await fed.settle()
    assert await away.state.store.statuses.by_uri(post["uri"]) is None
    assert await away.state.store.statuses.by_uri(public["uri"]) is not None
    rows = await away.state.store.database.fetchall("SELECT payload FROM jobs")
    assert not any(post["uri"] in row[0] for row in rows)

    # ... while carol, her local follower, has it in her home timeline and was notified,
    status, timeline = await home.api("GET", "/api/v1/timelines/home", tokens["carol"])
    assert status == 200 and post["id"] in [s["id"] for s in timeline]
    status, notes = await home.api("GET", "/api/v1/notifications", tokens["carol"])
    assert ("status", post["id"]) in [(n["type"], n.get("status", {}).get("id")) for n in notes]
    # ... and dave, mentioned, got a mention
    status, notes = await home.api("GET", "/api/v1/notifications", tokens["dave"])
    assert [n["status"]["id"] for n in notes if n["type"] == "mention"] == [post["id"]]
    # ... and any signed-in local account sees it on the local timeline and alice's profile
    for path in ("/api/v1/timelines/public?local=true", "/api/v1/timelines/public",
                 "/api/v1/timelines/tag/town", f"/api/v1/accounts/{post['account']['id']}/statuses"):
        status, docs = await home.api("GET", path, tokens["dave"])
        assert status == 200 and post["id"] in [s["id"] for s in docs], path
        # but a visitor does not
        status, docs = await home.api("GET", path)
        assert status == 200 and post["id"] not in [s["id"] for s in docs], path
    status, doc = await home.api("GET", f"/api/v1/statuses/{post['id']}", tokens["dave"])
    assert status == 200 and doc["local_only"] is True
    status, doc = await home.api("GET", f"/api/v1/statuses/{post['id']}")
    assert status == 404


async def test_local_only_posts_are_missing_from_collections_and_not_served(fed, town):
    home, away, tokens = town
    store = home.state.store
    public = await _post(home, tokens["alice"], "out in the open")
    post = await _post(home, tokens["alice"], "just for us", visibility="local")
    before = await _deliveries(home)

    # Pinning the local-only post works, but sends nothing and does not feature it
    for doc in (public, post):
        status, pinned = await home.api("POST", f"/api/v1/statuses/{doc['id']}/pin", tokens["alice"])
        assert status == 200 and pinned["pinned"] is True, pinned
    sent = await _new_deliveries(home, before)
    assert [(d["type"], public["uri"] in d["body"]) for d in sent] == [("Add", True)]
    actor = home.actor("alice")
    code, featured = await home.get_json(f"{actor}/collections/featured")
    assert code == 200 and [n["id"] for n in featured["orderedItems"]] == [public["uri"]]
    assert featured["totalItems"] == 1
    # ... though local readers see it pinned on the profile
    status, docs = await home.api("GET", f"/api/v1/accounts/{post['account']['id']}/statuses?pinned=true",
                              tokens["dave"])
    assert [d["id"] for d in docs] == [post["id"], public["id"]]

    # A local-only reply to the public post is not in its replies collection
    reply = await _post(home, tokens["carol"], "@alice agreed", visibility="local",
                        in_reply_to_id=public["id"])
    code, replies = await home.get_json(public["uri"] + "/replies")
    assert code == 200 and replies["orderedItems"] == [] and replies["totalItems"] == 0

    # The outbox lists only the public post, and counts only it
    code, outbox = await home.get_json(f"{actor}/outbox")
    assert code == 200 and outbox["totalItems"] == 1
    code, page = await home.get_json(f"{actor}/outbox?page=true")
    assert [i["object"]["id"] for i in page["orderedItems"]] == [public["uri"]]
    code, outbox = await home.get_json(home.actor("carol") + "/outbox")
    assert outbox["totalItems"] == 0

    # The note, its Create, its replies and its activities answer 404 over ActivityPub
    create = await store.activities.by_uri(post["uri"] + "/activity")
    add = await store.activities.find(post["account"]["id"], "Add", post["uri"])
    hidden = [post["uri"], post["uri"] + "/activity", post["uri"] + "/replies", reply["uri"],
              home.state.urls.activity(create.id), home.state.urls.activity(add.id)]
    bob_key = await _key_of(away, "bob")  # a follower of alice, on another server
    server_key = (away.state.urls.instance_key_id, away.state.instance_private_key)
    for url in hidden:
        assert (await home.get_json(url))[0] == 404, url
        for key in (bob_key, server_key):
            code, doc = await _signed_get(home, url, *key)
            assert code == 404 and "content" not in doc, (url, key[0])
    # ... while the same signatures fetch the public post
    for key in (bob_key, server_key):
        assert (await _signed_get(home, public["uri"], *key))[0] == 200
    # A visitor's browser gets 404 for the note's page
    async with home.session.get(post["url"]) as resp:
        assert resp.status == 404


async def test_replies_boosts_likes_edits_and_deletes_stay_home(fed, town):
    home, away, tokens = town
    post = await _post(home, tokens["alice"], "local news", visibility="local")
    before = await _deliveries(home)

    # A reply asked for as public is local-only, as is a boost of the post
    reply = await _post(home, tokens["carol"], "@alice thanks", visibility="public",
                        in_reply_to_id=post["id"])
    assert reply["visibility"] == "local" and reply["local_only"] is True
    status, boost = await home.api("POST", f"/api/v1/statuses/{post['id']}/reblog", tokens["dave"])
    assert status == 200 and boost["visibility"] == "local" and boost["local_only"] is True
    assert boost["reblog"]["id"] == post["id"]
    status, liked = await home.api("POST", f"/api/v1/statuses/{post['id']}/favourite", tokens["carol"])
    assert status == 200 and liked["favourited"] is True
    # alice hears of all three
    status, notes = await home.api("GET", "/api/v1/notifications", tokens["alice"])
    assert {"mention", "reblog", "favourite"} <= {n["type"] for n in notes}
    # Edits and undoing stay home too
    status, edited = await home.api("PUT", f"/api/v1/statuses/{post['id']}", tokens["alice"],
                                {"status": "local news, corrected"})
    assert status == 200 and edited["visibility"] == "local" and "corrected" in edited["content"]
    for path, token in ((f"/api/v1/statuses/{post['id']}/unfavourite", tokens["carol"]),
                        (f"/api/v1/statuses/{post['id']}/unreblog", tokens["dave"])):
        status, doc = await home.api("POST", path, token)
        assert status == 200, doc
    for doc, token in ((reply, tokens["carol"]), (post, tokens["alice"])):
        status, _ = await home.api("DELETE", f"/api/v1/statuses/{doc['id']}", token)
        assert status == 200
    # Nothing of it was queued for bob's server, although he follows all three
    assert await _new_deliveries(home, before) == []
    await fed.settle()
    for uri in (post["uri"], reply["uri"], boost["uri"]):
        assert await away.state.store.statuses.by_uri(uri) is None

    # Whereas a public reply by carol does go to bob
    other = await _post(home, tokens["alice"], "a public one")
    before = await _deliveries(home)
    await _post(home, tokens["carol"], "@alice nice", in_reply_to_id=other["id"])
    assert [d["type"] for d in await _new_deliveries(home, before)] == ["Create"]


async def test_local_only_poll_and_client_to_server_post_stay_home(fed, town):
    home, away, tokens = town
    before = await _deliveries(home)
    poll = await _post(home, tokens["alice"], "lunch?", local_only=True,
                       poll={"options": ["soup", "salad"], "expires_in": 600})
    assert poll["visibility"] == "local"
    status, voted = await home.api("POST", f"/api/v1/polls/{poll['id']}/votes", tokens["carol"],
                               {"choices": [0]})
    assert status == 200 and voted["votes_count"] == 1, voted
    # the debounced Update(Question) with fresh counts, run now, goes nowhere else either
    await home.state.store.database.execute(
        "UPDATE jobs SET next_attempt_at = 0 WHERE queue = 'poll_update' AND state = 'pending'")
    await fed.settle()
    assert (await home.state.store.jobs.counts()).get("poll_update", {}).get("done") == 1

    # An ActivityPub client addressing this instance's own public gets a local-only post
    status, body, location = await home.post_outbox("alice", tokens["alice"], {
        "type": "Note", "content": "from my client", "to": [home.state.urls.local_public]})
    assert status == 201, body
    made = await home.state.store.statuses.by_uri(location.removesuffix("/activity"))
    assert made.visibility == "local"
    assert await _new_deliveries(home, before) == []
    await fed.settle()
    assert await away.state.store.statuses.by_uri(poll["uri"]) is None
    assert await away.state.store.statuses.by_uri(made.uri) is None
