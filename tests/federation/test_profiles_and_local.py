"""Profile updates federate; local accounts follow each other without the network;
mentions and hashtags become tags."""

from fedi.activitypub.vocab import PUBLIC


async def test_profile_update_reaches_followers(fed, pair):
    personal, pro, tokens = pair
    # alice follows bob, so bob's Update(Person) goes to alice's server
    status, body, _ = await pro.post_outbox("bob", tokens["bob"], {"type": "Update", "object": {
        "id": pro.actor("bob"), "type": "Person", "name": "Bob Builder",
        "summary": "Engineer <script>x</script>",
        "attachment": [{"type": "PropertyValue", "name": "Headline", "value": "Staff engineer"}],
        "alsoKnownAs": ["https://example.org/users/bob"]}})
    assert status == 201, body
    await fed.settle()
    copy = await personal.state.store.accounts.by_uri(pro.actor("bob"))
    assert copy.display_name == "Bob Builder"
    assert "<script>" not in copy.note and "Engineer" in copy.note
    assert copy.fields == [{"name": "Headline", "value": "Staff engineer"}]
    assert copy.also_known_as == ["https://example.org/users/bob"]
    code, actor = await pro.get_json("/users/bob")
    assert actor["name"] == "Bob Builder" and actor["attachment"][0]["value"] == "Staff engineer"


async def test_local_follow_and_post(fed):
    inst = await fed.start("solo.test", "personal")
    await inst.user("ann")
    await inst.user("ben")
    ann_token, ben_token = await inst.token("ann"), await inst.token("ben")
    status, body, _ = await inst.post_outbox("ann", ann_token, {"type": "Follow", "object": inst.actor("ben")})
    assert status == 201, body
    ann = await inst.state.store.accounts.by_handle("ann", None)
    ben = await inst.state.store.accounts.by_handle("ben", None)
    assert (await inst.state.store.follows.get(ann.id, ben.id)).accepted
    status, body, location = await inst.post_outbox("ben", ben_token, {
        "type": "Note", "content": "hi #Python folks, ping @ann", "to": [PUBLIC],
        "cc": [inst.actor("ben") + "/followers"]})
    assert status == 201, body
    await fed.settle()
    assert await inst.state.store.jobs.pending() == 0  # nothing went over the network
    creates = [i for i in await inst.inbox_items("ann", ann_token) if i["type"] == "Create"]
    assert [c["id"] for c in creates] == [location]
    note = creates[0]["object"]
    assert {"type": "Hashtag", "href": inst.base + "/tags/python", "name": "#Python"} in note["tag"]
    assert any(t["type"] == "Mention" and t["href"] == inst.actor("ann") for t in note["tag"])
    assert 'class="u-url mention"' in note["content"] and 'href="' + inst.base + '/tags/python"' in note["content"]
    kinds = [n.type for n in await inst.state.store.notifications.list(ann.id)]
    assert kinds == ["mention"]


async def test_remote_mention_resolved_through_webfinger(fed, pair):
    personal, pro, tokens = pair
    await personal.user("dora")
    dora_token = await personal.token("dora")
    # dora has never seen bob: the mention is resolved with WebFinger and the post delivered to him
    status, body, location = await personal.post_outbox("dora", dora_token, {
        "type": "Note", "content": f"hello @bob@{pro.domain}!", "to": [PUBLIC],
        "cc": [personal.actor("dora") + "/followers"]})
    assert status == 201, body
    await fed.settle()
    stored = await pro.state.store.statuses.by_uri(location.removesuffix("/activity"))
    bob = await pro.state.store.accounts.by_handle("bob", None)
    assert stored is not None and bob.id in stored.mention_ids
    assert "mention" in [n.type for n in await pro.state.store.notifications.list(bob.id)]


async def test_remote_account_deletion(fed, pair):
    personal, pro, tokens = pair
    status, _, _ = await pro.post_outbox("bob", tokens["bob"], {
        "type": "Note", "content": "soon gone", "to": [pro.actor("bob") + "/followers"]})
    await fed.settle()
    bob_copy = await personal.state.store.accounts.by_uri(pro.actor("bob"))
    assert (await personal.state.store.statuses.by_account(bob_copy.id, ("private",))).total == 1
    # bob's server announces his deletion, signed with his key
    activity = {"id": pro.actor("bob") + "#delete", "type": "Delete", "actor": pro.actor("bob"),
                "object": pro.actor("bob"), "to": [PUBLIC]}
    assert await pro.deliver_as("bob", personal.base + "/inbox", activity) == 202
    await fed.settle()
    assert await personal.state.store.accounts.by_uri(pro.actor("bob")) is None
    alice = await personal.state.store.accounts.by_handle("alice", None)
    assert (await personal.state.store.follows.counts(alice.id)) == (0, 0)


async def test_same_note_in_a_second_create_notifies_once(fed, pair):
    personal, pro, tokens = pair
    status, body, location = await pro.post_outbox("bob", tokens["bob"], {
        "type": "Note", "content": f"@alice@{personal.domain} hello", "to": [PUBLIC],
        "cc": [pro.actor("bob") + "/followers"]})
    assert status == 201, body
    await fed.settle()
    # bob's server sends the same note again under a new activity id
    code, create = await pro.get_json(location)
    assert code == 200
    create["id"] = create["id"] + "-again"
    assert await pro.deliver_as("bob", personal.base + "/inbox", create) == 202
    await fed.settle()
    alice = await personal.state.store.accounts.by_handle("alice", None)
    mentions = [n for n in await personal.state.store.notifications.list(alice.id) if n.type == "mention"]
    assert len(mentions) == 1
