"""A process keeps a reader's pages of grouped notifications by the version of the reader's
notifications (migration 0030): a page asked for again reads no notification, and any change
(through this process, another one, or a cascade) is on the next page."""

from __future__ import annotations

import time

from fedi.ids import new_id
from fedi.models import Notification
from fedi.services import follows, statuses
from tests.api.conftest import call, client
from tests.api.test_query_counts import counting

PAGE = "/api/v2/notifications"


async def _raw(inst, token: str, path: str = PAGE) -> dict:
    async with inst.session.get(inst.base + path, headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 200
        return await resp.json()


def _summary(body: dict) -> list[tuple]:
    return [(g["type"], g["notifications_count"], g["sample_account_ids"]) for g in body["notification_groups"]]


async def _read_notifications(inst, token: str, path: str = PAGE) -> tuple[dict, bool]:
    """The page, and whether the request read the reader's notifications."""
    with counting(inst.state.store) as seen:
        body = await _raw(inst, token, path)
    return body, any("FROM notifications" in sql for sql in seen)


async def test_a_page_is_kept_until_the_notifications_change(fed):
    inst = await fed.start("personal.test")
    state, store = inst.state, inst.state.store
    names = ("alice", "ben", "cara", "dan")
    for name in names:
        await inst.user(name)
    alice, ben, cara, dan = [await store.accounts.by_handle(n, None) for n in names]
    token = await inst.token("alice")
    post = await statuses.create(state, alice, "like it")
    await statuses.favourite(state, ben, post)

    first, read = await _read_notifications(inst, token)
    assert read and _summary(first) == [("favourite", 1, [ben.id])]
    again, read = await _read_notifications(inst, token)
    assert not read and again == first

    # A notification written straight to the database, as another process would.
    await store.notifications.insert(Notification(
        id=new_id(), account_id=alice.id, type="favourite", from_account_id=cara.id, status_id=post.id,
        created_at=time.time()))
    body, read = await _read_notifications(inst, token)
    assert read and _summary(body) == [("favourite", 2, [cara.id, ben.id])]

    # Each request's own page: another limit, another reader.
    await follows.follow(state, dan, alice)
    one, _ = await _read_notifications(inst, token, PAGE + "?limit=1")
    assert _summary(one) == [("follow", 1, [dan.id])]
    body, read = await _read_notifications(inst, token)
    assert read and _summary(body) == [("follow", 1, [dan.id]), ("favourite", 2, [cara.id, ben.id])]
    assert (await _raw(inst, await inst.token("ben")))["notification_groups"] == []
    odd = PAGE + "?max_id=" + "9" * 300  # no id this server gives out: answered, never kept
    for _ in range(2):
        body, read = await _read_notifications(inst, token, odd)
        assert read and len(body["notification_groups"]) == 2

    # What is shown of the accounts is read afresh: only the groups are kept.
    ben_api = client(inst, await inst.token("ben"))
    await call(ben_api.account_update_credentials, display_name="Ben the Fan")
    body, read = await _read_notifications(inst, token)
    assert not read and {a["id"]: a["display_name"] for a in body["accounts"]}[ben.id] == "Ben the Fan"

    # A group dismissed through the API, and a cascade from a deleted post.
    api = client(inst, token)
    await call(api.dismiss_grouped_notification, body["notification_groups"][0]["group_key"])
    body, read = await _read_notifications(inst, token)
    assert read and _summary(body) == [("favourite", 2, [cara.id, ben.id])]
    await statuses.delete(state, alice, post)
    body, read = await _read_notifications(inst, token)
    assert read and body["notification_groups"] == []


async def test_a_kept_page_answers_each_expansion_alike(fed):
    """Partial and full accounts, asked for in turn from one kept page: neither changes it."""
    inst = await fed.start("personal.test")
    state, store = inst.state, inst.state.store
    for name in ("alice", "ben", "cara"):
        await inst.user(name)
    alice, ben, cara = [await store.accounts.by_handle(n, None) for n in ("alice", "ben", "cara")]
    token = await inst.token("alice")
    post = await statuses.create(state, alice, "like it")
    for fan in (ben, cara):
        await statuses.favourite(state, fan, post)
    partial = await _raw(inst, token, PAGE + "?expand_accounts=partial_avatars")
    full = await _raw(inst, token)
    assert [a["id"] for a in partial["accounts"]] == [cara.id]
    assert [a["id"] for a in partial["partial_accounts"]] == [ben.id]
    assert {a["id"] for a in full["accounts"]} == {ben.id, cara.id}
    assert await _raw(inst, token, PAGE + "?expand_accounts=partial_avatars") == partial
    assert await _raw(inst, token) == full
