"""Scheduled posts through Mastodon.py: kept as durable jobs, published at their time."""

from datetime import datetime, timedelta, timezone

import pytest
from mastodon.errors import MastodonAPIError

from tests.api.conftest import call, client


async def test_schedule_list_move_cancel_and_publish(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    api = client(inst, await inst.token("alice"))
    soon = datetime.now(timezone.utc) + timedelta(minutes=10)
    sched = await call(api.status_post, "good morning", scheduled_at=soon, visibility="unlisted")
    assert sched["params"]["text"] == "good morning" and sched["params"]["visibility"] == "unlisted"
    assert abs((sched["scheduled_at"] - soon).total_seconds()) < 1  # Mastodon.py parsed our ISO date
    assert [s["id"] for s in await call(api.scheduled_statuses)] == [sched["id"]]
    assert await call(api.timeline_home) == []  # nothing published yet

    later = soon + timedelta(hours=1)
    moved = await call(api.scheduled_status_update, sched["id"], later)
    assert abs((moved["scheduled_at"] - later).total_seconds()) < 1

    with pytest.raises(MastodonAPIError):  # less than five minutes ahead
        await call(api.status_post, "too soon", scheduled_at=datetime.now(timezone.utc) + timedelta(minutes=1))

    other = await call(api.status_post, "never mind", scheduled_at=soon)
    await call(api.scheduled_status_delete, other["id"])
    assert [s["id"] for s in await call(api.scheduled_statuses)] == [sched["id"]]

    # time passes: the job is due and publishes the post
    await inst.state.store.database.execute("UPDATE jobs SET next_attempt_at = 0 WHERE id = ?", (sched["id"],))
    await inst.runner.run_until_idle(["scheduled"])
    home = await call(api.timeline_home)
    assert [(s["content"], s["visibility"]) for s in home] == [("<p>good morning</p>", "unlisted")]
    assert await call(api.scheduled_statuses) == []
