"""An activity sent to many servers is stored once: its delivery jobs name it, peers receive
it byte for byte, it is removed once nothing is left to deliver, and finished deliveries
leave the jobs table promptly."""

import json
import time

import pytest

from fedi.services import fanout


@pytest.fixture
async def star(fed):
    """alice@home.test, followed by bob@a.test and eve@b.test."""
    home = await fed.start("home.test")
    peers = [await fed.start("a.test"), await fed.start("b.test")]
    await home.user("alice")
    tokens = {"alice": await home.token("alice")}
    for peer, name in zip(peers, ("bob", "eve")):
        await peer.user(name)
        tokens[name] = await peer.token(name)
        status, body, _ = await peer.post_outbox(name, tokens[name], {"type": "Follow", "object": home.actor("alice")})
        assert status == 201, body
        await fed.settle()
    return home, peers, tokens


async def _stored(inst) -> list[tuple[str, dict]]:
    rows = await inst.state.store.database.fetchall("SELECT id, body FROM outbound_activities ORDER BY id")
    return [(r[0], json.loads(r[1])) for r in rows]


async def _pending_deliveries(inst) -> list[tuple[dict, str | None]]:
    rows = await inst.state.store.database.fetchall(
        "SELECT payload, ref FROM jobs WHERE queue = 'deliver' AND state = 'pending' ORDER BY id")
    return [(json.loads(r[0]), r[1]) for r in rows]


async def test_a_post_to_many_servers_is_stored_once_and_delivered_to_each(fed, star):
    home, peers, tokens = star
    before = {ref for ref, _ in await _stored(home)}

    status, post = await home.api("POST", "/api/v1/statuses", tokens["alice"], {"status": "to everyone"})
    assert status == 200, post

    [(ref, activity)] = [(r, a) for r, a in await _stored(home) if r not in before]
    assert activity["type"] == "Create" and activity["object"]["id"] == post["uri"]
    jobs = await _pending_deliveries(home)
    assert sorted(p["inbox"] for p, _ in jobs) == sorted(f"{p.base}/inbox" for p in peers)
    for payload, job_ref in jobs:
        assert job_ref == ref and payload == {"inbox": payload["inbox"], "signer": payload["signer"], "ref": ref}

    # While deliveries are pending, the stored activity is kept whatever its age (the Accepts
    # of the follows, delivered already, go)
    await fanout.purge_delivered(home.state, keep_for=-60)
    assert [r for r, _ in await _stored(home)] == [ref]
    await fed.settle()
    for peer in peers:
        stored = await peer.state.store.statuses.by_uri(post["uri"])
        assert stored is not None and "to everyone" in stored.content
    # Once every delivery is done, it goes
    assert await fanout.purge_delivered(home.state, keep_for=-60) == 1
    assert await _stored(home) == []


async def test_a_delivery_whose_activity_is_gone_fails_and_one_queued_with_its_copy_is_sent(fed, star):
    home, peers, tokens = star
    status, post = await home.api("POST", "/api/v1/statuses", tokens["alice"], {"status": "second thoughts"})
    assert status == 200, post
    [(ref, activity)] = [(r, a) for r, a in await _stored(home) if a.get("object", {}).get("id") == post["uri"]]
    jobs = await _pending_deliveries(home)
    await home.state.store.database.execute("DELETE FROM outbound_activities WHERE id = ?", (ref,))

    # A job that names a removed activity fails for good, and nothing is sent
    await home.runner.run_until_idle()
    rows = await home.state.store.database.fetchall(
        "SELECT state, last_error FROM jobs WHERE queue = 'deliver' AND ref = ?", (ref,))
    assert [tuple(r) for r in rows] == [("failed", "the activity is no longer stored")] * len(jobs)
    for peer in peers:
        assert await peer.state.store.statuses.by_uri(post["uri"]) is None

    # A job queued with the activity inside it (as before activities were stored once) is sent
    payload, _ = jobs[0]
    await home.state.store.jobs.enqueue("deliver", {"inbox": payload["inbox"], "signer": payload["signer"],
                                                    "activity": activity}, host=payload["inbox"].split("/")[2])
    await fed.settle()
    receivers = [p for p in peers if payload["inbox"].startswith(p.base)]
    assert [await r.state.store.statuses.by_uri(post["uri"]) is not None for r in receivers] == [True]


async def test_done_deliveries_leave_the_jobs_table_promptly_and_inbox_replays_are_remembered(fed, star):
    home, peers, tokens = star
    status, post = await home.api("POST", "/api/v1/statuses", tokens["alice"], {"status": "busy day"})
    assert status == 200, post
    await fed.settle()
    peer = peers[0]
    counts = await peer.state.store.database.fetchall(
        "SELECT count(*) FROM jobs WHERE queue = 'inbox' AND state = 'done' AND dedup_key IS NOT NULL")
    assert counts[0][0] >= 1
    assert (await home.state.store.jobs.counts())["deliver"].get("done", 0) >= 2

    # Housekeeping, as the runner does it every few minutes
    future = time.time() + 301
    await home.state.store.jobs.purge_finished(future - 7 * 86400, done_unkeyed_before=future - 300)
    await peer.state.store.jobs.purge_finished(future - 7 * 86400, done_unkeyed_before=future - 300)
    assert "done" not in (await home.state.store.jobs.counts()).get("deliver", {})
    # the inbox jobs that recognise a replayed activity stay for days
    kept = await peer.state.store.database.fetchall(
        "SELECT count(*) FROM jobs WHERE queue = 'inbox' AND state = 'done' AND dedup_key IS NOT NULL")
    assert kept[0][0] == counts[0][0]
