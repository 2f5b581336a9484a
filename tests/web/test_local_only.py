"""Local-only posts on pages: offered in the compose form, marked on their cards, shown to
signed-in local accounts on the local and federated timelines, profiles, permalinks and
tag pages, and never to visitors."""

from fedi.services import pins
from tests.web.pagehelpers import card_ids, post
from tests.web.test_posting import signed_in


async def test_compose_offers_local_only_and_cards_say_so(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    await inst.user("bob")
    b = await signed_in(browser_for, inst, "alice")

    form = await b.get("/compose")
    assert '<option value="local">Local only (this server)</option>' in form.text
    page = await b.post("/compose", {"status": "neighbours, #picnic on Sunday", "visibility": "local",
                                     "post_key": "k1"})
    assert page.status == 200 and "Posted." in page.text
    [st] = [s for s in [await inst.state.store.statuses.get(i) for i in card_ids(page.text)] if s]
    assert st.account_id == alice.id and st.visibility == "local"
    assert "· local only (this server)" in page.text
    # a reply to it starts local-only, and says that it stays here
    reply_form = await b.get(f"/compose?in_reply_to={st.id}")
    assert '<option value="local" selected>' in reply_form.text
    assert "A reply to a local-only post is local-only too" in reply_form.text
    # and the edit form names its visibility
    edit = await b.get(f"/statuses/{st.id}/edit")
    assert "<strong>Who can see it:</strong> local only (this server)" in edit.text

    # bob, signed in here, may boost it
    bob = await signed_in(browser_for, inst, "bob")
    permalink = await bob.get(f"/@alice/{st.id}")
    assert permalink.status == 200 and f'action="/statuses/{st.id}/reblog"' in permalink.text
    boosted = await bob.post(f"/statuses/{st.id}/reblog", {"csrf_token": permalink.csrf})
    assert boosted.status == 200
    boost = await inst.state.store.statuses.reblog_of((await bob_account(inst)).id, st.id)
    assert boost is not None and boost.visibility == "local"


async def bob_account(inst):
    return await inst.state.store.accounts.by_handle("bob", None)


async def test_visitors_never_see_local_only_posts(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    await inst.user("bob")
    hidden = await post(inst, "alice", "only for people here #picnic", visibility="local")
    shown = await post(inst, "alice", "for everyone #picnic")
    await pins.pin(inst.state, alice, hidden)

    visitor = browser_for(inst)
    for path in ("/", "/local", "/@alice", "/tags/picnic"):
        page = await visitor.get(path)
        assert page.status == 200 and card_ids(page.text) == [shown.id], path
        assert "only for people here" not in page.text
    for path in (f"/@alice/{hidden.id}", f"/statuses/{hidden.id}"):
        page = await visitor.get(path)
        assert page.status == 404 and "only for people here" not in page.text

    bob = await signed_in(browser_for, inst, "bob")
    for path in ("/", "/local", "/federated", "/tags/picnic"):
        page = await bob.get(path)
        assert card_ids(page.text) == [shown.id, hidden.id], path
    profile = await bob.get("/@alice")
    assert profile.text.count(f'id="s-{hidden.id}"') == 1 and "Pinned" in profile.text
    page = await bob.get(f"/@alice/{hidden.id}")
    assert page.status == 200 and "only for people here" in page.text
    assert "local only (this server)" in page.text
