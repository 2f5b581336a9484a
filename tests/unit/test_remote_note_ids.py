"""Remote notes take ids from their publication time. More notes than an id's low bits tell
apart in one millisecond (1,024 for a process holding a node number, as with several
processes) are all stored, each under an id of its own near that time."""

import calendar
import time

import pytest

from fedi import ids
from fedi.config import from_dict
from fedi.services import remote_notes
from fedi.services.state import State
from fedi.urls import Urls
from tests.harness import scratch_store
from tests.unit.test_entities import remote

BASE = "http://a.test:8301"
PUBLIC = "https://www.w3.org/ns/activitypub#Public"


@pytest.fixture
async def state(tmp_path):
    async with scratch_store(tmp_path, "ids") as store:
        yield State(config=from_dict({"instance": {"base_url": BASE}}), store=store, urls=Urls(BASE))


@pytest.fixture
def node_ids():
    before = ids.generator()
    ids.install(ids.IdGenerator(node=5))
    yield
    ids.install(before)


async def test_notes_published_in_the_same_millisecond_all_get_ids(state, node_ids):
    author = await remote(state, "bob", "far.test")
    published = "2026-11-30T12:00:00Z"  # no milliseconds: a whole backlog shares one
    stored = []
    for n in range(1100):
        doc = {"id": f"https://far.test/notes/{n}", "type": "Note", "attributedTo": author.uri,
               "content": f"<p>note {n}</p>", "published": published, "to": [PUBLIC]}
        status = await remote_notes.store(state, doc, author)
        assert status is not None and status.uri == doc["id"]
        stored.append(status)
    assert len({s.id for s in stored}) == 1100
    at = calendar.timegm(time.strptime(published, "%Y-%m-%dT%H:%M:%SZ"))
    assert all(abs(ids.id_time(s.id) - at) < 0.01 for s in stored)  # they sort where they were published
    assert await state.store.statuses.by_uri("https://far.test/notes/1099") is not None
