"""Preferences, markers, bookmarks, favourites, mutes and lists through Mastodon.py."""

import pytest
from mastodon.errors import MastodonAPIError

from fedi.services import follows, statuses
from tests.api.conftest import call, client


async def test_preferences_markers_and_favourites(fed):
    inst = await fed.start("pro.test", "professional")
    await inst.user("alice")
    api = client(inst, await inst.token("alice"))
    prefs = await call(api.preferences)
    assert prefs["posting:default:visibility"] == "private"  # professional default
    alice = await inst.state.store.accounts.by_handle("alice", None)
    st = await statuses.create(inst.state, alice, "note to self")
    await call(api.markers_set, ["home"], [st.id])
    markers = await call(api.markers_get, ["home", "notifications"])
    assert markers["home"]["last_read_id"] == st.id and "notifications" not in markers
    await call(api.markers_set, ["home"], [st.id])
    assert (await call(api.markers_get, ["home"]))["home"]["version"] == 2
    await call(api.status_favourite, st.id)
    assert [s["id"] for s in await call(api.favourites)] == [st.id]


async def test_bookmarks_mutes_and_lists(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    await inst.user("ben")
    api = client(inst, await inst.token("alice"))
    alice = await inst.state.store.accounts.by_handle("alice", None)
    ben = await inst.state.store.accounts.by_handle("ben", None)
    st = await statuses.create(inst.state, ben, "worth keeping")
    await inst.state.store.bookmarks.add(alice.id, st.id)
    marked = await call(api.bookmarks)
    assert [s["id"] for s in marked] == [st.id] and marked[0]["bookmarked"] is True

    rel = await call(api.account_mute, ben.id)
    assert rel["muting"] is True and rel["muting_notifications"] is True
    assert [a["username"] for a in await call(api.mutes)] == ["ben"]
    assert (await call(api.account_unmute, ben.id))["muting"] is False

    lst = await call(api.list_create, "Friends")
    assert lst["title"] == "Friends" and lst["replies_policy"] == "list"
    with pytest.raises(MastodonAPIError):  # only accounts you follow
        await call(api.list_accounts_add, lst["id"], [ben.id])
    await follows.follow(inst.state, alice, ben)
    await call(api.list_accounts_add, lst["id"], [ben.id])
    assert [a["username"] for a in await call(api.list_accounts, lst["id"])] == ["ben"]
    assert (await call(api.list_update, lst["id"], "Close friends"))["title"] == "Close friends"
    assert [x["title"] for x in await call(api.lists)] == ["Close friends"]
    await call(api.list_delete, lst["id"])
    assert await call(api.lists) == []


async def test_editing_a_boosted_post_notifies_the_booster(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    await inst.user("ben")
    ben_api = client(inst, await inst.token("ben"))
    alice = await inst.state.store.accounts.by_handle("alice", None)
    ben = await inst.state.store.accounts.by_handle("ben", None)
    st = await statuses.create(inst.state, alice, "first version")
    await statuses.reblog(inst.state, ben, st)
    await statuses.edit(inst.state, alice, st, "second version")
    notes = await call(ben_api.notifications, types=["update"])
    assert [(n["type"], n["status"]["id"]) for n in notes] == [("update", st.id)]
    assert "second version" in notes[0]["status"]["content"]


async def test_follow_with_notify_sends_status_notifications(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    await inst.user("ben")
    ben_api = client(inst, await inst.token("ben"))
    alice = await inst.state.store.accounts.by_handle("alice", None)
    rel = await call(ben_api.account_follow, alice.id, notify=True)
    assert rel["following"] is True and rel["notifying"] is True
    st = await statuses.create(inst.state, alice, "news!")
    await statuses.create(inst.state, alice, "a private note", visibility="direct")
    notes = await call(ben_api.notifications, types=["status"])
    assert [(n["type"], n["status"]["id"]) for n in notes] == [("status", st.id)]
    rel = await call(ben_api.account_follow, alice.id, notify=False)
    assert rel["notifying"] is False
