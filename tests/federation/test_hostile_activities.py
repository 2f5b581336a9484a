"""Activities with every field of the wrong type, from a signed hostile peer, are accepted or
refused at the door, and then processed or dropped without an unexpected error: no job
fails with a traceback and none is retried, since retrying cannot make them right."""

import asyncio
import itertools
import logging
from collections import Counter

from fedi.federation.inbox import INBOX_QUEUE
from tests.federation.hostile_peer import AS, HostilePeer

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
WRONG = [None, 5, 1.5, True, "", "x", [], [5, None, {}], {}, {"id": 5}, {"type": ["Note", 5]}, "\u202e" * 3,
         "http://[::1", "http://x:99999/", "javascript:alert(1)", "A" * 100_000, -(10 ** 30)]
NOTE_FIELDS = ["id", "type", "content", "contentMap", "summary", "sensitive", "inReplyTo", "to", "cc", "tag",
               "attachment", "url", "published", "updated", "attributedTo", "name", "oneOf", "anyOf", "endTime",
               "quoteUrl", "source", "mediaType", "replies", "conversation", "context"]
ACTIVITY_FIELDS = ["object", "to", "cc", "target", "type", "published", "content"]


def _note(actor, n: int, home) -> dict:
    return {"id": f"{actor.uri}/statuses/{n}", "type": "Note", "attributedTo": actor.uri,
            "content": "<p>hi</p>", "to": [PUBLIC], "cc": [home.actor("alice")], "published": "2026-01-01T00:00:00Z"}


def _activities(actor, home):
    counter = itertools.count(1)
    for field, value in itertools.product(NOTE_FIELDS, WRONG):
        n = next(counter)
        note = {**_note(actor, n, home), field: value}
        yield {"@context": AS, "id": f"{actor.uri}/activities/{n}", "type": "Create", "actor": actor.uri,
               "to": [PUBLIC], "object": note}
    for kind, field, value in itertools.product(
            ["Create", "Update", "Delete", "Follow", "Like", "Announce", "Undo", "Accept", "Reject", "Block",
             "Add", "Remove", "Flag", "Move", "EmojiReact"], ACTIVITY_FIELDS, WRONG):
        n = next(counter)
        yield {"@context": AS, "id": f"{actor.uri}/activities/{n}", "type": kind, "actor": actor.uri,
               "to": [PUBLIC], "object": home.actor("alice"), field: value}


async def test_wrongly_typed_activities_are_handled_without_errors(fed, caplog):
    home = await fed.start("home.test")
    await home.user("alice")
    peer = await HostilePeer("peer.test", home.session).start()
    mallory = peer.actor("mallory")
    caplog.set_level(logging.WARNING)
    try:
        gate = asyncio.Semaphore(16)

        async def deliver(activity: dict) -> tuple[int, str]:
            async with gate:
                return await peer.deliver(f"{home.base}/inbox", activity, mallory)

        activities = list(_activities(mallory, home))
        answers = await asyncio.gather(*(deliver(a) for a in activities))
        bad = [(a, answer) for a, answer in zip(activities, answers) if answer[0] >= 500]
        assert not bad, bad[:3]
        statuses = Counter(status for status, _ in answers)
        await home.runner.run_until_idle(timeout=120)
    finally:
        await peer.close()
    assert statuses[202] > 1000, statuses
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, "\n".join(f"{r.getMessage()[:100]}: {r.exc_info[1]!r}" for r in errors[:30])
    counts = (await home.state.store.jobs.counts()).get(INBOX_QUEUE, {})
    assert set(counts) <= {"done", "failed"}, counts
