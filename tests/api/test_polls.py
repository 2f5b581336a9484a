"""Polls: posting one, reading and voting through the client API, and across instances."""

import pytest
from mastodon import MastodonAPIError

from tests.api.conftest import call, client
from tests.api.test_statuses import req


@pytest.fixture
async def site(fed):
    inst = await fed.start("personal.test")
    for name in ("alice", "bob", "carol"):
        await inst.user(name)
    inst.tokens = {name: await inst.token(name) for name in ("alice", "bob", "carol")}
    inst.api = {name: client(inst, token) for name, token in inst.tokens.items()}
    return inst


async def _post_poll(api, options=("a", "b"), **kw):
    return await call(api.status_post, "which one?", poll=api.make_poll(list(options), expires_in=3600, **kw))


async def test_post_a_poll_then_vote(site):
    alice, bob, carol = (site.api[n] for n in ("alice", "bob", "carol"))
    posted = await _post_poll(alice)
    poll = posted["poll"]
    assert [o["title"] for o in poll["options"]] == ["a", "b"]
    assert poll["multiple"] is False and poll["expired"] is False and poll["votes_count"] == 0
    assert poll["voted"] is True and poll["own_votes"] == []  # the author's own poll

    fetched = await call(bob.poll, poll["id"])
    assert fetched["voted"] is False and fetched["own_votes"] == []
    voted = await call(bob.poll_vote, poll["id"], 1)
    assert voted["voted"] is True and voted["own_votes"] == [1]
    assert [o["votes_count"] for o in voted["options"]] == [0, 1] and voted["voters_count"] == 1
    await call(carol.poll_vote, poll["id"], 1)

    status = await call(alice.status, posted["id"])
    assert status["poll"]["votes_count"] == 2 and status["poll"]["options"][1]["votes_count"] == 2
    code, anonymous, _ = await req(site, "GET", f"/api/v1/polls/{poll['id']}")
    assert code == 200 and anonymous["votes_count"] == 2 and "voted" not in anonymous


async def test_multiple_choice_poll(site):
    posted = await _post_poll(site.api["alice"], ("x", "y", "z"), multiple=True)
    voted = await call(site.api["bob"].poll_vote, posted["poll"]["id"], [0, 2])
    assert voted["own_votes"] == [0, 2] and voted["votes_count"] == 2 and voted["voters_count"] == 1


async def test_poll_validation(site):
    token = site.tokens["alice"]
    for poll in ({"options": ["a"], "expires_in": 3600},
                 {"options": ["a", "b", "c", "d", "e"], "expires_in": 3600},
                 {"options": ["a", "x" * 51], "expires_in": 3600},
                 {"options": ["a", ""], "expires_in": 3600},
                 {"options": ["a", "b"], "expires_in": 299},
                 {"options": ["a", "b"], "expires_in": 2629747}):
        code, body, _ = await req(site, "POST", "/api/v1/statuses", token, json={"status": "q", "poll": poll})
        assert code == 422, (poll, body)
    code, body, _ = await req(site, "POST", "/api/v1/statuses", token, data={
        "status": "form", "poll[options][]": ["a", "b"], "poll[expires_in]": "600"})
    assert code == 200 and len(body["poll"]["options"]) == 2


async def test_vote_errors(site):
    alice, bob = site.api["alice"], site.api["bob"]
    poll_id = (await _post_poll(alice))["poll"]["id"]
    for api, choices in ((alice, [0]), (bob, [2]), (bob, [0, 1])):
        with pytest.raises(MastodonAPIError) as caught:
            await call(api.poll_vote, poll_id, choices)
        assert caught.value.args[1] == 422
    await call(bob.poll_vote, poll_id, 0)
    with pytest.raises(MastodonAPIError):
        await call(bob.poll_vote, poll_id, 1)
    assert (await req(site, "GET", "/api/v1/polls/404"))[0] == 404

    st = await site.state.store.statuses.get(poll_id)
    poll = await site.state.store.polls.get(st.id)
    await site.state.store.polls.put(st.id, poll["options"], multiple=False, expires_at=1.0)
    code, body, _ = await req(site, "POST", f"/api/v1/polls/{poll_id}/votes", site.tokens["carol"],
                              data={"choices[]": "0"})
    assert code == 422 and "ended" in body["error"]
    assert (await call(alice.poll, poll_id))["expired"] is True


async def _remote_poll(fed):
    """alice@one.test posts a yes/no poll; bob@two.test follows her and has its copy."""
    one = await fed.start("one.test")
    two = await fed.start("two.test")
    await one.user("alice")
    await two.user("bob")
    alice = client(one, await one.token("alice"))
    bob = client(two, await two.token("bob"))
    found = await call(bob.account_search, f"alice@{one.domain}", resolve=True)
    await call(bob.account_follow, found[0]["id"])
    await fed.settle()
    posted = await _post_poll(alice, ("yes", "no"))
    await fed.settle()
    copy = await two.state.store.statuses.by_uri(posted["uri"])
    assert copy is not None
    return one, two, alice, bob, posted, copy


async def test_vote_on_a_remote_poll(fed):
    one, two, alice, bob, posted, copy = await _remote_poll(fed)
    seen = await call(bob.status, copy.id)
    assert seen["poll"]["id"] == copy.id
    assert [o["title"] for o in seen["poll"]["options"]] == ["yes", "no"] and seen["poll"]["voted"] is False

    voted = await call(bob.poll_vote, copy.id, 0)
    assert voted["own_votes"] == [0] and voted["options"][0]["votes_count"] == 1
    await fed.settle()
    mine = await call(alice.poll, posted["poll"]["id"])
    assert [o["votes_count"] for o in mine["options"]] == [1, 0] and mine["voters_count"] == 1

    # The same vote delivered again, or a second choice in a single-choice poll, is not counted
    vote = {"id": f"{two.actor('bob')}#votes/again", "type": "Note", "name": "no",
            "attributedTo": two.actor("bob"), "inReplyTo": posted["uri"], "to": [one.actor("alice")]}
    activity = {"id": vote["id"] + "/activity", "type": "Create", "actor": two.actor("bob"), "object": vote}
    assert await two.deliver_as("bob", one.state.urls.shared_inbox, activity) in (200, 202)
    await fed.settle()
    assert (await call(alice.poll, posted["poll"]["id"]))["votes_count"] == 1

    # The author's Update(Question) brings the tallies on the other side up to date
    note = await one.get_json(posted["uri"])
    question = {**note[1], "type": "Question", "oneOf": [
        {"type": "Note", "name": "yes", "replies": {"type": "Collection", "totalItems": 5}},
        {"type": "Note", "name": "no", "replies": {"type": "Collection", "totalItems": 2}}], "votersCount": 7}
    question.pop("@context", None)
    update = {"id": one.actor("alice") + "#updates/1", "type": "Update", "actor": one.actor("alice"),
              "object": question}
    assert await one.deliver_as("alice", two.state.urls.shared_inbox, update) in (200, 202)
    await fed.settle()
    seen = await call(bob.status, copy.id)
    assert [o["votes_count"] for o in seen["poll"]["options"]] == [5, 2] and seen["poll"]["own_votes"] == [0]
    assert seen["edited_at"] is None


async def test_local_poll_dereferences_as_a_question(fed):
    from fedi.services import polls, statuses

    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    st = await statuses.create(inst.state, alice, "tea or coffee?", visibility="public",
                               poll=polls.validated(["tea", "coffee"], 3600))
    code, doc = await inst.get_json(st.uri)
    assert code == 200 and doc["type"] == "Question"
    assert [o["name"] for o in doc["oneOf"]] == ["tea", "coffee"] and doc["endTime"]


async def _time_passes(*instances):
    for inst in instances:
        await inst.state.store.database.execute("UPDATE jobs SET next_attempt_at = 0 WHERE state = 'pending'")
        await inst.state.store.database.execute("UPDATE polls SET expires_at = 1 WHERE expires_at > 1")


async def test_counts_federate_and_the_end_notifies(fed):
    one, two, alice, bob, posted, copy = await _remote_poll(fed)
    await call(bob.poll_vote, copy.id, 1)
    await fed.settle()

    # a debounced Update(Question) carries alice's tally back to bob's server
    await one.state.store.database.execute(
        "UPDATE jobs SET next_attempt_at = 0 WHERE queue = 'poll_update' AND state = 'pending'")
    await fed.settle()
    assert (await two.state.store.polls.get(copy.id))["counts"] == [0, 1]

    # the poll ends: alice (author) and bob (voter) are notified on their own servers
    await _time_passes(one, two)
    await fed.settle()
    assert [n["type"] for n in await call(alice.notifications, types=["poll"])] == ["poll"]
    assert [n["type"] for n in await call(bob.notifications, types=["poll"])] == ["poll"]
    assert (await call(bob.status, copy.id))["poll"]["expired"] is True
