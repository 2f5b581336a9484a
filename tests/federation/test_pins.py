"""Pins federate: pinning sends Add and unpinning Remove to the followers' servers, where the
post shows as pinned; the featured collection lists the pinned notes, newest pin first."""

import json

from fedi.activitypub.vocab import PUBLIC


async def _api(inst, method: str, path: str, token: str, body: dict | None = None):
    async with inst.session.request(
            method, inst.base + path, data=json.dumps(body) if body is not None else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}) as resp:
        return resp.status, await resp.json(content_type=None)


async def _post(inst, token: str, text: str, visibility: str = "public") -> dict:
    status, doc = await _api(inst, "POST", "/api/v1/statuses", token,
                             {"status": text, "visibility": visibility})
    assert status == 200, doc
    return doc


async def _pinned_on(inst, token: str, account_uri: str) -> list[str]:
    """The uris of the account's pinned posts, as the API of `inst` lists them."""
    account = await inst.state.store.accounts.by_uri(account_uri)
    assert account is not None
    status, docs = await _api(inst, "GET", f"/api/v1/accounts/{account.id}/statuses?pinned=true", token)
    assert status == 200, docs
    return [d["uri"] for d in docs]


async def test_pin_and_unpin_reach_followers(fed, pair):
    personal, pro, tokens = pair  # alice@personal follows bob@pro
    first = await _post(pro, tokens["bob"], "first, pin me")
    second = await _post(pro, tokens["bob"], "second, pin me too", visibility="unlisted")
    await fed.settle()

    # When bob pins both posts, one after the other
    for doc in (first, second):
        status, pinned = await _api(pro, "POST", f"/api/v1/statuses/{doc['id']}/pin", tokens["bob"])
        assert status == 200 and pinned["pinned"] is True, pinned
        await fed.settle()

    # Then bob's server sent Add(note) to his featured collection ...
    bob = await pro.state.store.accounts.by_handle("bob", None)
    add = await pro.state.store.activities.find(bob.id, "Add", second["uri"])
    featured_url = pro.actor("bob") + "/collections/featured"
    assert add.body["object"] == second["uri"] and add.body["target"] == featured_url
    assert add.body["actor"] == pro.actor("bob") and PUBLIC in add.body["cc"]
    # ... which lists both notes in full, most recently pinned first, as Mastodon does
    code, collection = await pro.get_json(featured_url)
    assert code == 200 and collection["type"] == "OrderedCollection" and collection["totalItems"] == 2
    assert [n["id"] for n in collection["orderedItems"]] == [second["uri"], first["uri"]]
    assert all(n["type"] == "Note" and "pin me" in n["content"] for n in collection["orderedItems"])
    # ... and alice's server shows them as bob's pinned posts
    assert await _pinned_on(personal, tokens["alice"], pro.actor("bob")) == [second["uri"], first["uri"]]

    # When bob unpins the first post
    status, doc = await _api(pro, "POST", f"/api/v1/statuses/{first['id']}/unpin", tokens["bob"])
    assert status == 200 and doc["pinned"] is False, doc
    await fed.settle()

    # Then the Remove reached alice's server too
    remove = await pro.state.store.activities.find(bob.id, "Remove", first["uri"])
    assert remove.body["target"] == featured_url
    assert await _pinned_on(personal, tokens["alice"], pro.actor("bob")) == [second["uri"]]
    code, collection = await pro.get_json(featured_url)
    assert [n["id"] for n in collection["orderedItems"]] == [second["uri"]]


async def test_only_real_changes_are_sent(fed, pair):
    personal, pro, tokens = pair
    post = await _post(pro, tokens["bob"], "pin me twice")
    private = await _post(pro, tokens["bob"], "for followers", visibility="private")
    await fed.settle()
    store = pro.state.store

    # A followers-only post cannot be pinned, and nothing is sent
    status, doc = await _api(pro, "POST", f"/api/v1/statuses/{private['id']}/pin", tokens["bob"])
    assert status == 422 and "public and unlisted" in doc["error"]
    # Unpinning a post that is not pinned sends nothing either
    status, _ = await _api(pro, "POST", f"/api/v1/statuses/{post['id']}/unpin", tokens["bob"])
    assert status == 200 and await store.jobs.due() == 0

    # Pinning twice sends one Add
    for _ in range(2):
        status, doc = await _api(pro, "POST", f"/api/v1/statuses/{post['id']}/pin", tokens["bob"])
        assert status == 200 and doc["pinned"] is True
    assert await store.jobs.due() == 1
    await fed.settle()
    assert await _pinned_on(personal, tokens["alice"], pro.actor("bob")) == [post["uri"]]

