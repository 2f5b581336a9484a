"""A list's timeline through Mastodon.py: its members' posts and boosts from the owner's home
feed, replies as the list's replies_policy says, and every way of paging it."""

from fedi.services import follows, statuses
from tests.api.conftest import call, client, req


async def test_list_timeline_members_replies_policy_and_paging(fed):
    inst = await fed.start("personal.test")
    for name in ("alice", "ben", "carol", "dan"):
        await inst.user(name)
    token = await inst.token("alice")
    api = client(inst, token)
    store = inst.state.store
    alice, ben, carol, dan = [await store.accounts.by_handle(n, None) for n in ("alice", "ben", "carol", "dan")]
    for other in (ben, carol, dan):
        await follows.follow(inst.state, alice, other)
    lst = await call(api.list_create, "Close")
    await call(api.list_accounts_add, lst["id"], [ben.id, carol.id])

    made = {}
    made["dan1"] = await statuses.create(inst.state, dan, "dan, not in the list")
    made["ben1"] = await statuses.create(inst.state, ben, "ben's first")
    made["carol1"] = await statuses.create(inst.state, carol, "carol's first")
    made["alice1"] = await statuses.create(inst.state, alice, "the owner's own post")
    made["ben_to_dan"] = await statuses.create(inst.state, ben, "@dan a reply to a non-member",
                                               in_reply_to=made["dan1"])
    made["ben_to_carol"] = await statuses.create(inst.state, ben, "@carol a reply to a member",
                                                 in_reply_to=made["carol1"])
    made["ben_to_carol2"] = await statuses.create(inst.state, ben, "@carol a second reply to a member",
                                                  in_reply_to=made["carol1"])
    made["ben_to_alice"] = await statuses.create(inst.state, ben, "@alice a reply to the owner",
                                                 in_reply_to=made["alice1"])
    made["carol_boost"] = await statuses.reblog(inst.state, carol, made["dan1"])
    made["carol2"] = await statuses.create(inst.state, carol, "carol's second")
    for k in range(25):  # noise from a non-member, so that a page must look past it
        await statuses.create(inst.state, dan, f"dan's noise {k}")
    made["ben2"] = await statuses.create(inst.state, ben, "ben's second")

    by_id = {st.id: name for name, st in made.items()}
    expected = ["ben2", "carol2", "carol_boost", "ben_to_alice", "ben_to_carol2", "ben_to_carol", "carol1", "ben1"]
    page = await call(api.timeline_list, lst["id"], limit=40)
    assert [by_id.get(s["id"], s["id"]) for s in page] == expected
    assert page[2]["reblog"]["id"] == made["dan1"].id

    # Paging: newest first with max_id, since_id; the slice right after min_id.
    first = await call(api.timeline_list, lst["id"], limit=3)
    assert [by_id[s["id"]] for s in first] == expected[:3]
    older = await call(api.timeline_list, lst["id"], limit=3, max_id=first[-1]["id"])
    assert [by_id[s["id"]] for s in older] == expected[3:6]
    newer = await call(api.timeline_list, lst["id"], limit=2, min_id=made["ben1"].id)
    assert [by_id[s["id"]] for s in newer] == ["ben_to_carol", "carol1"]
    since = await call(api.timeline_list, lst["id"], limit=2, since_id=made["ben1"].id)
    assert [by_id[s["id"]] for s in since] == ["ben2", "carol2"]

    # replies_policy "followed": replies to anyone followed come in; "none": none but to the owner.
    await call(api.list_update, lst["id"], "Close", replies_policy="followed")
    page = await call(api.timeline_list, lst["id"], limit=40)
    assert "ben_to_dan" in [by_id.get(s["id"]) for s in page]
    await call(api.list_update, lst["id"], "Close", replies_policy="none")
    page = await call(api.timeline_list, lst["id"], limit=40)
    names = [by_id.get(s["id"]) for s in page]
    assert "ben_to_alice" in names and "ben_to_carol" not in names and "ben_to_dan" not in names
    # A page whose first entries the policy leaves out still fills.
    page = await call(api.timeline_list, lst["id"], limit=1, max_id=made["ben_to_alice"].id)
    assert [by_id[s["id"]] for s in page] == ["carol1"]
    # ... and one whose first entries the reader may not see (boosts of an account it has
    # blocked since) looks further, in larger steps.
    erin = await inst.user("erin")
    erins = [await statuses.create(inst.state, erin, f"erin's {k}") for k in range(4)]
    for post in erins:
        await statuses.reblog(inst.state, ben, post)
    await follows.block(inst.state, alice, erin)
    page = await call(api.timeline_list, lst["id"], limit=1)
    assert [by_id[s["id"]] for s in page] == ["ben2"]

    # Someone else's list is not found.
    other = await inst.token("dan")
    status, _ = await req(inst, "GET", f"/api/v1/timelines/list/{lst['id']}", other)
    assert status == 404
