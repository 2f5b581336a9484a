"""Settings an admin changes in one process apply in the others: the change is announced
through the events interface, and every process that hears it loads the settings again.
Here two processes' states share one database and one event bus (the shared implementation
of the events interface plays that part between real processes)."""

from __future__ import annotations

import asyncio

from fedi.config import from_dict
from fedi.services import accounts, instance_settings, moderation
from fedi.services.events import EventBus
from fedi.services.state import State
from fedi.urls import Urls
from tests.unit.test_storage import store  # noqa: F401


async def test_a_change_in_one_process_applies_in_the_other(store):  # noqa: F811
    config = from_dict({"instance": {"base_url": "http://a.test", "name": "Before"}})
    bus = EventBus()
    one, other = (State(config=config, store=store, urls=Urls(config.base_url), events=bus) for _ in range(2))
    for state in (one, other):
        await instance_settings.load(state)
    listening = asyncio.ensure_future(instance_settings.follow_changes(other))
    try:
        await asyncio.sleep(0)
        await instance_settings.update(one, name="After")
        admin = await accounts.create_local(one, "moderator1", "moderator1@a.test", "password123", admin=True)
        await moderation.block_domain(one, admin, "spam.example")
        for _ in range(100):
            if instance_settings.current(other).name == "After" and other.domain_blocked("spam.example"):
                break
            await asyncio.sleep(0.01)
        assert instance_settings.current(other).name == "After"
        assert other.domain_blocked("spam.example") and not other.domain_blocked("fine.example")
        assert bus.listeners == 0  # the server's own subscription is not a client's stream
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
