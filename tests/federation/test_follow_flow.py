"""Follow, approval and followers-only delivery between a personal and a professional instance."""

from fedi.activitypub.vocab import PUBLIC


async def test_follow_request_pending_until_approved(fed):
    # Given alice on a personal instance and bob on a professional one
    personal = await fed.start("personal.test", "personal")
    pro = await fed.start("pro.test", "professional")
    await personal.user("alice")
    await pro.user("bob")
    alice_token = await personal.token("alice")
    bob_token = await pro.token("bob")

    # When alice follows bob through her outbox
    status, body, location = await personal.post_outbox(
        "alice", alice_token, {"type": "Follow", "object": pro.actor("bob"), "content": "Hi Bob, we met at the conf"})
    assert status == 201, body
    assert location and location.startswith(personal.base)
    await fed.settle()

    # Then the request is pending on the professional instance, with its note
    bob = await pro.state.store.accounts.by_handle("bob", None)
    pending = await pro.state.store.follows.pending_for(bob.id)
    assert len(pending) == 1 and pending[0].note == "Hi Bob, we met at the conf"

    # And a followers-only post from bob does not reach the pending requester
    status, body, _ = await pro.post_outbox("bob", bob_token, {
        "type": "Note", "content": "connections only: early", "to": [pro.actor("bob") + "/followers"]})
    assert status == 201, body
    await fed.settle()
    items = await personal.inbox_items("alice", alice_token)
    assert not any(i.get("type") == "Create" for i in items)

    # When bob accepts
    status, body, _ = await pro.post_outbox("bob", bob_token, {"type": "Accept", "object": location})
    assert status == 201, body
    await fed.settle()

    # Then alice follows bob on both sides
    alice_remote = await pro.state.store.accounts.by_uri(personal.actor("alice"))
    assert (await pro.state.store.follows.get(alice_remote.id, bob.id)).accepted
    alice = await personal.state.store.accounts.by_handle("alice", None)
    bob_remote = await personal.state.store.accounts.by_uri(pro.actor("bob"))
    assert (await personal.state.store.follows.get(alice.id, bob_remote.id)).accepted

    # And bob's next followers-only post is in alice's inbox collection
    status, body, _ = await pro.post_outbox("bob", bob_token, {
        "type": "Note", "content": "connections only: after approval", "to": [pro.actor("bob") + "/followers"]})
    assert status == 201
    await fed.settle()
    creates = [i for i in await personal.inbox_items("alice", alice_token) if i["type"] == "Create"]
    assert [c["object"]["content"] for c in creates] == ["<p>connections only: after approval</p>"]
    assert PUBLIC not in creates[0]["object"]["to"] + creates[0]["object"]["cc"]
    stored = await personal.state.store.statuses.by_uri(creates[0]["object"]["id"])
    assert stored.visibility == "private"


async def test_follow_of_personal_account_is_accepted_at_once(fed):
    personal = await fed.start("personal.test", "personal")
    pro = await fed.start("pro.test", "professional")
    await personal.user("alice")
    await pro.user("bob")
    bob_token = await pro.token("bob")

    status, body, _ = await pro.post_outbox("bob", bob_token, {"type": "Follow", "object": personal.actor("alice")})
    assert status == 201, body
    await fed.settle()

    alice = await personal.state.store.accounts.by_handle("alice", None)
    bob_remote = await personal.state.store.accounts.by_uri(pro.actor("bob"))
    assert (await personal.state.store.follows.get(bob_remote.id, alice.id)).accepted
    bob = await pro.state.store.accounts.by_handle("bob", None)
    alice_remote = await pro.state.store.accounts.by_uri(personal.actor("alice"))
    assert (await pro.state.store.follows.get(bob.id, alice_remote.id)).accepted
    items = await pro.inbox_items("bob", bob_token)
    assert any(i["type"] == "Accept" for i in items)
