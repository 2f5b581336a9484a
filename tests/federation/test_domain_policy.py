"""The federation policy changed at run time by an admin: a blocked domain is cut off at once
(its inbox POSTs are refused, nothing more is delivered to it, follows with it end), and in
allowlist mode only the allowed domains federate. Real instances on loopback."""

from datetime import UTC, datetime

from fedi.activitypub.vocab import PUBLIC
from fedi.services import moderation, statuses
from fedi.services.fanout import DELIVER_QUEUE
from tests.web.browser import Browser


def create(inst, username: str, text: str, to: list[str], n: int) -> dict:
    """A Create of a Note by a user of `inst`, as that server would send it."""
    actor = inst.actor(username)
    note = f"{actor}/statuses/7{n:05d}"
    published = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{note}/activity", "type": "Create",
            "actor": actor, "to": to, "published": published,
            "object": {"id": note, "type": "Note", "attributedTo": actor, "content": f"<p>{text}</p>",
                       "to": to, "published": published}}


async def follow(follower_inst, username: str, target_actor: str) -> None:
    token = await follower_inst.token(username)
    status, doc, _ = await follower_inst.post_outbox(username, token, {"type": "Follow", "object": target_actor})
    assert status == 201, doc


async def deliveries_to(inst, host_prefix: str) -> list[dict]:
    rows = await inst.state.store.database.fetchall(
        "SELECT host, state, last_error FROM jobs WHERE queue = ? AND host LIKE ?",
        (DELIVER_QUEUE, f"{host_prefix}%"))
    return [dict(r) for r in rows]


async def test_a_domain_blocked_at_run_time_is_cut_off(fed):
    home = await fed.start("home.test")
    evil = await fed.start("evil.test")
    boss = await home.user("boss", admin=True)
    alice = await home.user("alice")
    mallory = await evil.user("mallory")
    await follow(evil, "mallory", home.actor("alice"))
    await follow(home, "alice", evil.actor("mallory"))
    await fed.settle()
    remote_mallory = await home.state.store.accounts.by_uri(mallory.uri)
    assert (await home.state.store.follows.get(remote_mallory.id, alice.id)).accepted
    assert (await home.state.store.follows.get(alice.id, remote_mallory.id)).accepted
    before = await statuses.create(home.state, alice, "before the block")
    await fed.settle()
    assert await evil.state.store.statuses.by_uri(before.uri) is not None
    first = create(evil, "mallory", "hello", [PUBLIC, home.actor("alice")], 1)
    assert await evil.deliver_as("mallory", f"{home.base}/inbox", first) == 202
    await fed.settle()
    assert await home.state.store.statuses.by_uri(first["object"]["id"]) is not None

    queued = await statuses.create(home.state, alice, "queued before the block, sent after it")
    domain, severed = await moderation.block_domain(home.state, boss, "evil.test", "spam")
    assert domain == "evil.test" and severed == 2
    # Follows both ways are gone, and so is every delivery to the domain.
    assert await home.state.store.follows.get(remote_mallory.id, alice.id) is None
    assert await home.state.store.follows.get(alice.id, remote_mallory.id) is None
    await fed.settle()
    assert await evil.state.store.statuses.by_uri(queued.uri) is None
    jobs = await deliveries_to(home, "evil.test")
    [failed] = [j for j in jobs if j["state"] != "done"]
    assert failed["state"] == "failed" and "blocked" in failed["last_error"]
    after = await statuses.create(home.state, alice, "after the block", visibility="public")
    await fed.settle()
    assert await evil.state.store.statuses.by_uri(after.uri) is None
    assert len(await deliveries_to(home, "evil.test")) == len(jobs)  # nothing new was queued for it

    # Its activities are refused at the door, on the shared inbox and on a user's.
    second = create(evil, "mallory", "let me back in", [PUBLIC, home.actor("alice")], 2)
    for url in (f"{home.base}/inbox", f"{home.base}/users/alice/inbox"):
        assert await evil.deliver_as("mallory", url, second) == 403
    await fed.settle()
    assert await home.state.store.statuses.by_uri(second["object"]["id"]) is None

    # Lifting the block lets it in again (the ended follows stay ended).
    await moderation.unblock_domain(home.state, boss, "evil.test")
    assert await evil.deliver_as("mallory", f"{home.base}/inbox", second) == 202
    await fed.settle()
    assert await home.state.store.statuses.by_uri(second["object"]["id"]) is not None
    assert await home.state.store.follows.get(remote_mallory.id, alice.id) is None


async def test_allowlist_mode_at_run_time_refuses_other_domains(fed):
    home = await fed.start("home.test")
    friend = await fed.start("friend.test")
    stranger = await fed.start("stranger.test")
    boss = await home.user("boss", admin=True)
    alice = await home.user("alice")
    await friend.user("frank")
    await stranger.user("carol")
    await follow(friend, "frank", home.actor("alice"))
    await follow(stranger, "carol", home.actor("alice"))
    await fed.settle()
    accepted = await deliveries_to(home, "stranger.test")  # the Accept of carol's follow

    await moderation.set_allowlist_mode(home.state, boss, True)
    await moderation.allow_domain(home.state, boss, "friend.test")
    welcome = create(friend, "frank", "hello from a friend", [PUBLIC, home.actor("alice")], 1)
    assert await friend.deliver_as("frank", f"{home.base}/inbox", welcome) == 202
    intruder = create(stranger, "carol", "let me in", [PUBLIC, home.actor("alice")], 2)
    assert await stranger.deliver_as("carol", f"{home.base}/inbox", intruder) == 403

    post = await statuses.create(home.state, alice, "for friends only now", visibility="public")
    await fed.settle()
    assert await home.state.store.statuses.by_uri(welcome["object"]["id"]) is not None
    assert await home.state.store.statuses.by_uri(intruder["object"]["id"]) is None
    assert await friend.state.store.statuses.by_uri(post.uri) is not None
    assert await stranger.state.store.statuses.by_uri(post.uri) is None
    assert await deliveries_to(home, "stranger.test") == accepted  # nothing new was queued for it

    # Turning allowlist mode off opens the door again at once.
    await moderation.set_allowlist_mode(home.state, boss, False)
    assert await stranger.deliver_as("carol", f"{home.base}/inbox", intruder) == 202
    await fed.settle()
    assert await home.state.store.statuses.by_uri(intruder["object"]["id"]) is not None


async def test_profiles_on_a_blocked_domain_are_not_shown(fed):
    """A remote account known here from before the block: its profile page (and following it
    from the web) answer that its server is blocked."""
    home = await fed.start("home.test")
    evil = await fed.start("evil.test")
    boss = await home.user("boss", admin=True)
    await home.user("alice")
    await evil.user("mallory")
    await follow(home, "alice", evil.actor("mallory"))
    await fed.settle()
    browser = Browser(home, fed.resolver)
    try:
        page = await browser.get(f"/@mallory@{evil.domain}")
        assert page.status == 200 and "mallory" in page.text
        await moderation.block_domain(home.state, boss, "evil.test")
        page = await browser.get(f"/@mallory@{evil.domain}")
        assert page.status == 403 and f"{evil.domain} is blocked on this server." in page.text
    finally:
        await browser.close()
