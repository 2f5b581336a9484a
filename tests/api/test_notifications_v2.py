"""Grouped notifications (/api/v2/notifications), unread counts and the notification policy,
through Mastodon.py and, for the exact JSON, plain HTTP."""

import re
import time

import pytest
from mastodon.errors import MastodonAPIError, MastodonNotFoundError

from fedi.ids import id_time, new_id
from fedi.models import Notification
from fedi.services import follows, statuses
from tests.api.conftest import call, client

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def _accounts(inst, *names):
    for name in names:
        await inst.user(name)
    return [await inst.state.store.accounts.by_handle(name, None) for name in names]


async def _raw(inst, token: str, path: str):
    async with inst.session.get(inst.base + path, headers={"Authorization": f"Bearer {token}"}) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers.get("Link")


async def test_favourites_group_and_a_mention_stays_alone(fed):
    inst = await fed.start("personal.test")
    alice, ben, cara, dan, erin = await _accounts(inst, "alice", "ben", "cara", "dan", "erin")
    token = await inst.token("alice")
    api = client(inst, token)
    post = await statuses.create(inst.state, alice, "a post worth liking")
    for fan in (ben, cara, dan):
        await statuses.favourite(inst.state, fan, post)
    mention = await statuses.create(inst.state, erin, "hello @alice")

    res = await call(api.grouped_notifications, expand_accounts="full")
    groups = res["notification_groups"]
    assert [g["type"] for g in groups] == ["mention", "favourite"]
    alone, faves = groups
    assert alone["notifications_count"] == 1 and alone["sample_account_ids"] == [erin.id]
    assert alone["group_key"] == f"ungrouped-{alone['most_recent_notification_id']}"
    assert alone["page_min_id"] == alone["page_max_id"] == str(alone["most_recent_notification_id"])
    assert alone["status_id"] == mention.id
    assert faves["notifications_count"] == 3
    assert faves["sample_account_ids"] == [dan.id, cara.id, ben.id]  # most recent first
    assert re.fullmatch(rf"favourite-{post.id}-\d+", faves["group_key"])
    hour = int(id_time(str(faves["most_recent_notification_id"]))) // 3600
    assert int(faves["group_key"].rsplit("-", 1)[1]) == hour - hour % 12
    assert faves["status_id"] == post.id
    assert sorted(s["id"] for s in res["statuses"]) == sorted([post.id, mention.id])
    assert {a["id"] for a in res["accounts"]} == {ben.id, cara.id, dan.id, erin.id}
    assert not res["partial_accounts"]

    # Mastodon.py asks for partial avatars by default: the newest account of a group in full.
    res = await call(api.grouped_notifications)
    assert {a["id"] for a in res["accounts"]} == {dan.id, erin.id}
    assert {a["id"] for a in res["partial_accounts"]} == {ben.id, cara.id}
    assert sorted(a["acct"] for a in res["partial_accounts"]) == ["ben", "cara"]

    one = await call(api.grouped_notification, faves["group_key"])
    (group,) = one["notification_groups"]
    assert group["notifications_count"] == 3 and group["status_id"] == post.id
    assert not group["page_min_id"] and [s["id"] for s in one["statuses"]] == [post.id]
    who = await call(api.grouped_notification_accounts, faves["group_key"])
    assert [a["id"] for a in who] == [dan.id, cara.id, ben.id]
    assert (await call(api.grouped_notification, alone["group_key"]))["notification_groups"][0][
        "type"] == "mention"

    # A client that does not group favourites gets each one alone.
    res = await call(api.grouped_notifications, grouped_types=["follow", "reblog"])
    assert [g["type"] for g in res["notification_groups"]] == ["mention"] + ["favourite"] * 3
    assert all(g["group_key"].startswith("ungrouped-") for g in res["notification_groups"])


async def test_json_types_and_link_header(fed):
    inst = await fed.start("personal.test")
    alice, ben, cara = await _accounts(inst, "alice", "ben", "cara")
    token = await inst.token("alice")
    post = await statuses.create(inst.state, alice, "boost me")
    await statuses.reblog(inst.state, ben, post)
    await statuses.reblog(inst.state, cara, post)

    status, body, link = await _raw(inst, token, "/api/v2/notifications?limit=5")
    assert status == 200 and list(body) == ["accounts", "statuses", "notification_groups"]
    (group,) = body["notification_groups"]
    assert type(group["most_recent_notification_id"]) is int
    assert type(group["notifications_count"]) is int and group["notifications_count"] == 2
    assert group["type"] == "reblog" and group["sample_account_ids"] == [cara.id, ben.id]
    assert group["page_max_id"] == str(group["most_recent_notification_id"])
    assert isinstance(group["page_min_id"], str) and group["page_min_id"] < group["page_max_id"]
    assert ISO_MS.match(group["latest_page_notification_at"])
    newest = str(group["most_recent_notification_id"])
    assert f"max_id={newest}" in link and f"min_id={newest}" in link and "limit=5" in link

    status, body, _ = await _raw(inst, token, "/api/v2/notifications?expand_accounts=partial_avatars")
    assert list(body) == ["accounts", "partial_accounts", "statuses", "notification_groups"]
    assert [a["id"] for a in body["accounts"]] == [cara.id]
    assert body["partial_accounts"] == [{
        "id": ben.id, "acct": "ben", "locked": False, "bot": False, "url": ben.url or ben.uri,
        "avatar": body["partial_accounts"][0]["avatar"], "avatar_static": body["partial_accounts"][0]["avatar"]}]
    assert body["partial_accounts"][0]["avatar"].startswith("http")
    status, body, _ = await _raw(inst, token, "/api/v2/notifications?expand_accounts=everything")
    assert status == 400
    status, body, _ = await _raw(inst, token, "/api/v2/notifications/favourite-1-7")
    assert status == 404 and body == {"error": "Record not found"}
    status, body, _ = await _raw(inst, token, f"/api/v2/notifications/reblog-{post.id}-12")
    assert status == 404 and body == {"error": "Record not found"}


async def test_follows_group_and_types_filter(fed):
    inst = await fed.start("personal.test")
    alice, ben, cara, dan = await _accounts(inst, "alice", "ben", "cara", "dan")
    api = client(inst, await inst.token("alice"))
    for fan in (ben, cara, dan):
        await follows.follow(inst.state, fan, alice)
    await statuses.create(inst.state, ben, "@alice welcome")

    groups = (await call(api.grouped_notifications))["notification_groups"]
    assert [(g["type"], g["notifications_count"]) for g in groups] == [("mention", 1), ("follow", 3)]
    assert re.fullmatch(r"follow-\d+", groups[1]["group_key"]) and groups[1]["status_id"] is None
    assert groups[1]["sample_account_ids"] == [dan.id, cara.id, ben.id]

    only = await call(api.grouped_notifications, types=["follow"])
    assert [g["type"] for g in only["notification_groups"]] == ["follow"]
    assert only["statuses"] == []
    rest = await call(api.grouped_notifications, exclude_types=["follow"])
    assert [g["type"] for g in rest["notification_groups"]] == ["mention"]
    from_cara = await call(api.grouped_notifications, account_id=cara.id)
    (group,) = from_cara["notification_groups"]
    assert group["notifications_count"] == 1 and group["sample_account_ids"] == [cara.id]


async def test_pagination_covers_each_notification_once(fed):
    inst = await fed.start("personal.test")
    alice, ben, cara, dan = await _accounts(inst, "alice", "ben", "cara", "dan")
    api = client(inst, await inst.token("alice"))
    post = await statuses.create(inst.state, alice, "popular")
    await statuses.favourite(inst.state, ben, post)
    await statuses.create(inst.state, dan, "@alice first")
    await statuses.favourite(inst.state, cara, post)
    await statuses.create(inst.state, dan, "@alice second")
    notes = await call(api.notifications)
    fav_old, fav_new = notes[3]["id"], notes[1]["id"]
    mention_new, mention_old = notes[0]["id"], notes[2]["id"]

    first = await call(api.grouped_notifications, limit=2)
    assert [g["type"] for g in first["notification_groups"]] == ["mention", "favourite"]
    faves = first["notification_groups"][1]
    # The group counts its notifications up to the page; this page covers only its newest.
    assert faves["notifications_count"] == 2 and faves["sample_account_ids"] == [cara.id, ben.id]
    assert faves["page_min_id"] == faves["page_max_id"] == fav_new

    second = await call(api.fetch_next, first)
    assert [g["type"] for g in second["notification_groups"]] == ["mention", "favourite"]
    again = second["notification_groups"][1]
    assert again["group_key"] == faves["group_key"]
    assert again["page_min_id"] == again["page_max_id"] == fav_old
    assert again["notifications_count"] == 1 and again["sample_account_ids"] == [ben.id]
    assert str(second["notification_groups"][0]["most_recent_notification_id"]) == mention_old
    assert await call(api.grouped_notifications, limit=2, max_id=fav_old) == {
        "accounts": [], "partial_accounts": [], "statuses": [], "notification_groups": []}

    # Going up from the oldest notification: everything newer, the newest group first.
    newer = await call(api.grouped_notifications, min_id=fav_old, expand_accounts="full")
    assert [str(g["most_recent_notification_id"]) for g in newer["notification_groups"]] == [
        mention_new, fav_new, mention_old]
    since = await call(api.grouped_notifications, since_id=mention_old)
    assert [g["page_min_id"] for g in since["notification_groups"]] == [mention_new, fav_new]


async def test_groups_are_twelve_hour_buckets(fed):
    inst = await fed.start("personal.test")
    alice, ben, cara = await _accounts(inst, "alice", "ben", "cara")
    api = client(inst, await inst.token("alice"))
    post = await statuses.create(inst.state, alice, "an old post")
    start = (int(time.time()) // 43200 - 4) * 43200  # the start of a bucket two days ago
    for fan, at in ((ben, start + 60), (cara, start + 11 * 3600), (ben, start + 12 * 3600 + 60)):
        await inst.state.store.notifications.insert(Notification(
            id=new_id(at), account_id=alice.id, type="favourite", from_account_id=fan.id,
            status_id=post.id, created_at=at))
    groups = (await call(api.grouped_notifications))["notification_groups"]
    hours = start // 3600
    assert [(g["group_key"], g["notifications_count"]) for g in groups] == [
        (f"favourite-{post.id}-{hours + 12}", 1), (f"favourite-{post.id}-{hours}", 2)]
    assert groups[1]["latest_page_notification_at"].timestamp() == start + 11 * 3600


async def test_dismiss_a_group(fed):
    inst = await fed.start("personal.test")
    alice, ben, cara = await _accounts(inst, "alice", "ben", "cara")
    api = client(inst, await inst.token("alice"))
    post = await statuses.create(inst.state, alice, "like it")
    await statuses.favourite(inst.state, ben, post)
    await statuses.favourite(inst.state, cara, post)
    await statuses.create(inst.state, ben, "@alice hi")
    groups = (await call(api.grouped_notifications))["notification_groups"]
    faves = next(g for g in groups if g["type"] == "favourite")

    await call(api.dismiss_grouped_notification, faves["group_key"])
    assert [n["type"] for n in await call(api.notifications)] == ["mention"]
    with pytest.raises(MastodonNotFoundError):
        await call(api.grouped_notification, faves["group_key"])
    with pytest.raises(MastodonNotFoundError):
        await call(api.dismiss_grouped_notification, faves["group_key"])
    with pytest.raises(MastodonNotFoundError):
        await call(api.grouped_notification_accounts, faves["group_key"])

    mention = next(g for g in groups if g["type"] == "mention")
    ben_api = client(inst, await inst.token("ben"))
    with pytest.raises(MastodonNotFoundError):  # not ben's
        await call(ben_api.dismiss_grouped_notification, mention["group_key"])
    reader = client(inst, await inst.token("alice", scopes="read"))
    with pytest.raises(MastodonAPIError):  # needs write:notifications
        await call(reader.dismiss_grouped_notification, mention["group_key"])
    await call(api.dismiss_grouped_notification, mention["group_key"])
    assert await call(api.notifications) == []

    # A group with no status (follows): its notifications go, those of other groups stay.
    for fan in (ben, cara):
        await follows.follow(inst.state, fan, alice)
    await statuses.create(inst.state, cara, "@alice and now?")
    follow_group = next(g for g in (await call(api.grouped_notifications))["notification_groups"]
                        if g["type"] == "follow")
    assert follow_group["notifications_count"] == 2
    assert len((await call(api.grouped_notification, follow_group["group_key"]))["accounts"]) == 2
    await call(api.dismiss_grouped_notification, follow_group["group_key"])
    assert [n["type"] for n in await call(api.notifications)] == ["mention"]


async def test_unread_counts_follow_the_marker(fed):
    inst = await fed.start("personal.test")
    alice, ben, cara, dan = await _accounts(inst, "alice", "ben", "cara", "dan")
    api = client(inst, await inst.token("alice"))
    post = await statuses.create(inst.state, alice, "count me")
    await statuses.create(inst.state, dan, "@alice read already")
    for fan in (ben, cara, dan):
        await statuses.favourite(inst.state, fan, post)
    await statuses.create(inst.state, dan, "@alice unread")
    assert (await call(api.notifications_unread_count))["count"] == 5  # no marker: all
    assert await call(api.unread_grouped_notifications_count) == 3

    seen = (await call(api.notifications))[-1]["id"]
    await call(api.markers_set, ["notifications"], [seen])
    assert (await call(api.notifications_unread_count))["count"] == 4
    assert await call(api.unread_grouped_notifications_count) == 2
    assert await call(api.unread_grouped_notifications_count, grouped_types=["follow"]) == 4
    assert await call(api.unread_grouped_notifications_count, types=["mention"]) == 1
    status, body, _ = await _raw(inst, await inst.token("alice"), "/api/v1/notifications/unread_count?limit=2")
    assert status == 200 and body == {"count": 2}
    status, body, _ = await _raw(inst, await inst.token("alice"),
                                 "/api/v1/notifications/unread_count?exclude_types[]=favourite")
    assert body == {"count": 1}


async def test_policy_and_requests(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    api = client(inst, await inst.token("alice"))
    everything = {"for_not_following": "accept", "for_not_followers": "accept", "for_new_accounts": "accept",
                  "for_private_mentions": "accept", "for_limited_accounts": "accept",
                  "summary": {"pending_requests_count": 0, "pending_notifications_count": 0}}
    assert await call(api.notifications_policy) == everything
    assert await call(api.update_notifications_policy, for_not_following="filter") == everything
    with pytest.raises(MastodonAPIError) as raised:
        await call(api.update_notifications_policy, for_new_accounts="maybe")
    assert raised.value.args[1] == 422
    assert await call(api.notification_requests) == []
    assert await call(api.notifications_merged) is True
    anonymous = client(inst)
    with pytest.raises(MastodonAPIError):
        await call(anonymous.notifications_policy)
