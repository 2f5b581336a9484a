"""Deliveries survive a peer being down, and a restart of the sender."""

from fedi.activitypub.vocab import PUBLIC


async def _time_passes(inst):
    """Make every backed-off job due now, as if the retry delay had elapsed."""
    await inst.state.store.database.execute("UPDATE jobs SET next_attempt_at = 0 WHERE state = 'pending'")


async def test_peer_down_then_back_up(fed, pair):
    personal, pro, tokens = pair
    # bob follows alice (a personal account: accepted at once)
    status, body, _ = await pro.post_outbox("bob", tokens["bob"], {"type": "Follow", "object": personal.actor("alice")})
    assert status == 201, body
    await fed.settle()
    port = pro.server.port
    await fed.stop("pro.test")

    # alice posts while bob's server is down: the delivery fails and is kept for a retry
    status, body, location = await personal.post_outbox("alice", tokens["alice"], {
        "type": "Note", "content": "posted while you were down", "to": [PUBLIC],
        "cc": [personal.actor("alice") + "/followers"]})
    assert status == 201, body
    await personal.runner.run_until_idle()
    pending = await personal.state.store.database.fetchall(
        "SELECT attempts, last_error, next_attempt_at FROM jobs WHERE queue = 'deliver' AND state = 'pending'")
    assert len(pending) == 1 and pending[0]["attempts"] == 1 and pending[0]["last_error"]
    host = await personal.state.store.hosts.get(pro.domain)
    assert host.failures == 1

    # bob's server comes back; the retry delivers
    pro = await fed.start("pro.test", "professional", port=port)
    await _time_passes(personal)
    await fed.settle()
    assert await pro.state.store.statuses.by_uri(location.removesuffix("/activity")) is not None
    assert await personal.state.store.jobs.pending("deliver") == 0
    assert (await personal.state.store.hosts.get(pro.domain)).failures == 0


async def test_restart_with_pending_deliveries_loses_nothing(fed, pair):
    personal, pro, tokens = pair
    # Queue a post, then stop the instance before any worker runs.
    status, body, location = await pro.post_outbox("bob", tokens["bob"], {
        "type": "Note", "content": "queued before the restart", "to": [pro.actor("bob") + "/followers"]})
    assert status == 201, body
    assert await pro.state.store.jobs.pending("deliver") == 1
    port = pro.server.port
    await fed.stop("pro.test")

    pro = await fed.start("pro.test", "professional", port=port)
    assert await pro.state.store.jobs.pending("deliver") == 1
    await fed.settle()
    creates = [i for i in await personal.inbox_items("alice", tokens["alice"]) if i["type"] == "Create"]
    assert [c["object"]["id"] for c in creates] == [location.removesuffix("/activity")]


async def test_replayed_delivery_is_processed_once(fed, pair):
    personal, pro, tokens = pair
    status, body, location = await pro.post_outbox("bob", tokens["bob"], {
        "type": "Note", "content": "once only", "to": [PUBLIC], "cc": [pro.actor("bob") + "/followers"]})
    assert status == 201
    # Duplicate the queued delivery job, as a retry after a lost response would.
    await pro.state.store.database.execute(
        "INSERT INTO jobs (id, queue, host, payload, next_attempt_at, created_at) "
        "SELECT id || '1', queue, host, payload, next_attempt_at, created_at FROM jobs WHERE queue = 'deliver'")
    await fed.settle()
    creates = [i for i in await personal.inbox_items("alice", tokens["alice"]) if i["type"] == "Create"]
    assert len(creates) == 1
    rows = await personal.state.store.database.fetchall("SELECT count(*) FROM jobs WHERE queue = 'inbox' AND "
                                                        "dedup_key = ?", (location,))
    assert rows[0][0] == 1


async def test_a_note_whose_fan_out_fails_is_stored_with_it_on_the_retry(fed, pair, monkeypatch):
    """The note, its mentions and its place in the followers' feeds are one transaction: a
    job that fails part way leaves nothing behind, and its retry does all of it."""
    from fedi.services import fanout

    personal, pro, tokens = pair
    status, body, _ = await pro.post_outbox("bob", tokens["bob"], {"type": "Follow", "object": personal.actor("alice")})
    assert status == 201, body
    await fed.settle()
    real, failures = fanout.to_home_timelines, []

    async def failing(state, *args, **kwargs):
        if state is pro.state and broken:
            failures.append(1)
            raise RuntimeError("the process died here")
        return await real(state, *args, **kwargs)

    broken = True
    monkeypatch.setattr(fanout, "to_home_timelines", failing)
    status, body, location = await personal.post_outbox("alice", tokens["alice"], {
        "type": "Note", "content": "fanned out or not at all", "to": [PUBLIC],
        "cc": [personal.actor("alice") + "/followers"]})
    assert status == 201, body
    note_uri = location.removesuffix("/activity")
    await fed.settle()
    assert failures
    assert await pro.state.store.statuses.by_uri(note_uri) is None  # nothing half-stored
    [job] = await pro.state.store.database.fetchall(
        "SELECT state, attempts FROM jobs WHERE queue = 'inbox' AND dedup_key = ?", (location,))
    assert (job["state"], job["attempts"]) == ("pending", 1)

    broken = False
    await _time_passes(pro)
    await fed.settle()
    stored = await pro.state.store.statuses.by_uri(note_uri)
    bob = await pro.state.store.accounts.by_handle("bob", None)
    assert stored is not None and stored.id in await pro.state.store.feeds.page(bob.id)
