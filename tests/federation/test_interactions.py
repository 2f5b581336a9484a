"""Reply, like, boost, edit and delete propagate between instances."""

from fedi.activitypub.vocab import PUBLIC


async def _bob_posts(pro, tokens, text, to=None):
    status, body, location = await pro.post_outbox("bob", tokens["bob"], {
        "type": "Note", "content": text, "to": to or [PUBLIC], "cc": [pro.actor("bob") + "/followers"]})
    assert status == 201, body
    return location.removesuffix("/activity")


async def test_reply_and_like_reach_the_author(fed, pair):
    personal, pro, tokens = pair
    note_uri = await _bob_posts(pro, tokens, "What do you all think about #rust?")
    await fed.settle()
    assert await personal.state.store.statuses.by_uri(note_uri) is not None

    # When alice likes and replies
    status, body, _ = await personal.post_outbox("alice", tokens["alice"], {"type": "Like", "object": note_uri})
    assert status == 201, body
    status, body, _ = await personal.post_outbox("alice", tokens["alice"], {
        "type": "Note", "content": "@bob@" + pro.domain + " love it", "inReplyTo": note_uri,
        "to": [PUBLIC], "cc": [personal.actor("alice") + "/followers"]})
    assert status == 201, body
    await fed.settle()

    # Then bob's side has the like, the reply threaded under his post, and notifications
    store = pro.state.store
    original = await store.statuses.by_uri(note_uri)
    assert await store.favourites.count(original.id) == 1
    replies = await store.statuses.replies(note_uri)
    assert len(replies) == 1 and replies[0].in_reply_to_id == original.id
    assert "love it" in replies[0].content
    bob = await store.accounts.by_handle("bob", None)
    kinds = sorted(n.type for n in await store.notifications.list(bob.id))
    assert kinds == ["favourite", "follow_request", "mention"]
    # and the replies collection lists it
    code, doc = await pro.get_json(note_uri + "/replies")
    assert code == 200 and doc["orderedItems"] == [replies[0].uri]


async def test_unlike_boost_and_unboost(fed, pair):
    personal, pro, tokens = pair
    note_uri = await _bob_posts(pro, tokens, "boost me")
    await fed.settle()
    _, _, like_id = await personal.post_outbox("alice", tokens["alice"], {"type": "Like", "object": note_uri})
    _, _, boost_id = await personal.post_outbox("alice", tokens["alice"], {"type": "Announce", "object": note_uri})
    await fed.settle()
    original = await pro.state.store.statuses.by_uri(note_uri)
    assert await pro.state.store.statuses.reblog_count(original.id) == 1
    assert await pro.state.store.favourites.count(original.id) == 1

    for activity_id in (like_id, boost_id):
        status, body, _ = await personal.post_outbox("alice", tokens["alice"], {"type": "Undo", "object": activity_id})
        assert status == 201, body
    await fed.settle()
    assert await pro.state.store.statuses.reblog_count(original.id) == 0
    assert await pro.state.store.favourites.count(original.id) == 0


async def test_edit_and_delete_propagate(fed, pair):
    personal, pro, tokens = pair
    note_uri = await _bob_posts(pro, tokens, "first draft")
    await fed.settle()
    status, body, _ = await pro.post_outbox("bob", tokens["bob"], {
        "type": "Update", "object": {"id": note_uri, "type": "Note", "content": "second draft"}})
    assert status == 201, body
    await fed.settle()
    copy = await personal.state.store.statuses.by_uri(note_uri)
    assert copy.content == "<p>second draft</p>" and copy.edited_at is not None

    status, body, _ = await pro.post_outbox("bob", tokens["bob"], {"type": "Delete", "object": note_uri})
    assert status == 201, body
    await fed.settle()
    assert await personal.state.store.statuses.by_uri(note_uri) is None
    code, _ = await pro.get_json(note_uri)
    assert code == 404


async def test_direct_message_reaches_only_the_mentioned(fed, pair):
    personal, pro, tokens = pair
    await personal.user("carol")
    carol_token = await personal.token("carol")
    status, body, _ = await pro.post_outbox("bob", tokens["bob"], {
        "type": "Note", "content": f"@alice@{personal.domain} just between us", "to": [personal.actor("alice")]})
    assert status == 201, body
    await fed.settle()
    alice_items = [i for i in await personal.inbox_items("alice", tokens["alice"]) if i["type"] == "Create"]
    assert len(alice_items) == 1
    stored = await personal.state.store.statuses.by_uri(alice_items[0]["object"]["id"])
    assert stored.visibility == "direct"
    assert not [i for i in await personal.inbox_items("carol", carol_token) if i["type"] == "Create"]
    # nor is it in bob's public outbox
    _, outbox = await pro.get_json("/users/bob/outbox?page=true")
    assert outbox["orderedItems"] == []


async def test_unfollow_stops_delivery(fed, pair):
    personal, pro, tokens = pair
    status, body, _ = await personal.post_outbox(
        "alice", tokens["alice"], {"type": "Undo", "object": await _follow_uri(personal)})
    assert status == 201, body
    await fed.settle()
    bob = await pro.state.store.accounts.by_handle("bob", None)
    assert (await pro.state.store.follows.counts(bob.id))[0] == 0
    await _bob_posts(pro, tokens, "after the unfollow", to=[pro.actor("bob") + "/followers"])
    await fed.settle()
    creates = [i for i in await personal.inbox_items("alice", tokens["alice"]) if i["type"] == "Create"]
    assert creates == []


async def _follow_uri(personal):
    alice = await personal.state.store.accounts.by_handle("alice", None)
    remote_bob = (await personal.state.store.follows.following_page(alice.id)).items[0]
    bob = await personal.state.store.accounts.by_uri(remote_bob)
    return (await personal.state.store.follows.get(alice.id, bob.id)).uri


async def test_block_removes_follow_and_hides_posts(fed, pair):
    personal, pro, tokens = pair
    status, body, _ = await pro.post_outbox("bob", tokens["bob"], {"type": "Block", "object": personal.actor("alice")})
    assert status == 201, body
    await fed.settle()
    alice = await personal.state.store.accounts.by_handle("alice", None)
    bob_remote = await personal.state.store.accounts.by_uri(pro.actor("bob"))
    assert await personal.state.store.follows.get(alice.id, bob_remote.id) is None
    assert await personal.state.store.blocks.either_way(alice.id, bob_remote.id)
    # alice can no longer follow bob
    status, body, _ = await personal.post_outbox("alice", tokens["alice"], {"type": "Follow", "object": pro.actor("bob")})
    assert status == 403, body
