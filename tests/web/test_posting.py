"""Posting in the browser: compose with a content warning, visibility and images with alt
text, replies, editing and deleting one's posts, and the like, boost, bookmark and pin
buttons, all as plain form posts; the timelines they show up on; and the error paths."""

import io

from fedi.services import follows
from tests.web.pagehelpers import card_ids, link, png, post
from tests.web.browser import Browser


async def signed_in(browser_for, inst, username: str) -> Browser:
    b = browser_for(inst)
    page = await b.sign_in(username, "password123")
    assert page.status == 200 and "Sign out" in page.text
    return b


async def test_compose_posts_text_with_a_content_warning_and_images_with_alt_text(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    b = await signed_in(browser_for, inst, "alice")

    form = await b.get("/compose")
    assert form.status == 200 and 'enctype="multipart/form-data"' in form.text
    assert '<option value="public" selected>' in form.text  # the personal default
    assert '<label for="alt-0">' in form.text and 'name="media_3"' in form.text
    page = await b.post("/compose", {
        "status": "Look at these #squares", "spoiler_text": "colours", "visibility": "unlisted",
        "post_key": "k1", "media_0": png(), "alt_0": "A red square",
        "media_1": png((0, 0, 200)), "alt_1": "A blue square",
    })
    assert page.status == 200 and "Posted." in page.text
    [st] = [s for s in [await inst.state.store.statuses.get(i) for i in card_ids(page.text)] if s]
    assert page.url.endswith(f"/@alice/{st.id}")
    assert st.account_id == alice.id and st.visibility == "unlisted" and st.summary == "colours"
    assert [a["name"] for a in st.attachments] == ["A red square", "A blue square"]
    assert "<summary>colours <span" in page.text
    assert 'alt="A red square"' in page.text and 'alt="A blue square"' in page.text
    assert "unlisted" in page.text and "squares" in page.text
    assert (await inst.state.store.activities.find(alice.id, "Create", st.uri)) is not None

    # submitting the same form twice posts once
    again = await b.post("/compose", {"status": "Look at these #squares", "post_key": "k1",
                                      "csrf_token": page.csrf})
    assert again.url.endswith(f"/@alice/{st.id}")
    assert len((await inst.state.store.timelines.account(alice.id, ("public", "unlisted")))[0]) == 1

    # and it is on the timelines: home and profile (unlisted posts are not on the local timeline)
    assert st.id in card_ids((await b.get("/home")).text)
    assert st.id in card_ids((await b.get("/@alice")).text)
    assert st.id not in card_ids((await b.get("/local")).text)


async def test_compose_refuses_bad_input_and_keeps_what_was_typed(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    b = await signed_in(browser_for, inst, "alice")
    await b.get("/compose")
    empty = await b.post("/compose", {"status": "   ", "spoiler_text": "cw kept"})
    assert empty.status == 422 and "a post needs text or media" in empty.text
    assert 'value="cw kept"' in empty.text
    await b.get("/compose")
    not_image = await b.post("/compose", {"status": "with a bad file", "media_0": io.BytesIO(b"not an image")})
    assert not_image.status == 422 and "Choose your images again." in not_image.text
    assert ">with a bad file</textarea>" in not_image.text
    too_long = await b.post("/compose", {"status": "x" * 5001, "csrf_token": not_image.csrf})
    assert too_long.status == 422 and "longer than 5000" in too_long.text
    assert (await inst.state.store.timelines.account(alice.id, ("public", "unlisted", "private", "direct")))[0] == []
    missing_parent = await b.get("/compose?in_reply_to=999")
    assert missing_parent.status == 404


async def test_professional_accounts_post_to_their_connections_by_default(fed, browser_for):
    inst = await fed.start("pro.test", "professional")
    bob = await inst.user("bob")
    b = await signed_in(browser_for, inst, "bob")
    home = await b.get("/home")
    assert '<option value="private" selected>Connections only</option>' in home.text
    page = await b.post("/compose", {"status": "quarterly numbers are in", "visibility": "private",
                                   "back": "/home"})
    assert page.url.endswith("/home") and "quarterly numbers are in" in page.text
    assert "Connections only" in page.text
    [sid] = (await inst.state.store.timelines.account(bob.id, ("private",)))[0]
    assert (await inst.state.store.statuses.get(sid)).visibility == "private"


async def test_replies_start_with_mentions_and_the_parents_warning(fed, browser_for):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    bob = await inst.user("bob")
    parent = await post(inst, "alice", "what do you all think?", summary="poll")
    b = await signed_in(browser_for, inst, "bob")
    form = await b.get(f"/compose?in_reply_to={parent.id}")
    assert form.status == 200 and "what do you all think?" in form.text
    assert ">@alice </textarea>" in form.text and 'value="poll"' in form.text
    assert f'name="in_reply_to_id" value="{parent.id}"' in form.text
    page = await b.post("/compose", {"status": "@alice I agree", "in_reply_to_id": parent.id,
                                     "spoiler_text": "poll", "back": f"/@alice/{parent.id}"})
    assert page.url.endswith(f"/@alice/{parent.id}")
    [reply_id] = (await inst.state.store.timelines.account(bob.id, ("public",)))[0]
    assert card_ids(page.text) == [parent.id, reply_id]
    reply = await inst.state.store.statuses.get(reply_id)
    assert reply.in_reply_to_id == parent.id

    # the reply form under a post on its own page
    thread = await b.get(f"/@alice/{parent.id}")
    assert 'id="reply-text"' in thread.text and ">@alice </textarea>" in thread.text


async def test_editing_and_deleting_ones_own_posts(fed, browser_for):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    await inst.user("bob")
    mine = await post(inst, "alice", "first draft")
    theirs = await post(inst, "bob", "bob's post")
    b = await signed_in(browser_for, inst, "alice")

    form = await b.get(f"/statuses/{mine.id}/edit")
    assert form.status == 200 and ">first draft</textarea>" in form.text
    page = await b.post(f"/statuses/{mine.id}/edit", {"status": "second draft", "spoiler_text": ""})
    assert page.url.endswith(f"/@alice/{mine.id}") and "Saved." in page.text
    assert "second draft" in page.text and "edited" in page.text
    assert (await inst.state.store.statuses.get(mine.id)).source == "second draft"
    blank = await b.post(f"/statuses/{mine.id}/edit", {"status": " ", "csrf_token": page.csrf})
    assert blank.status == 422 and "a post needs text" in blank.text

    forbidden = await b.get(f"/statuses/{theirs.id}/edit")
    assert forbidden.status == 403 and "Only the author" in forbidden.text
    refused = await b.post(f"/statuses/{theirs.id}/edit", {"status": "hijacked", "csrf_token": page.csrf})
    assert refused.status == 403 and (await inst.state.store.statuses.get(theirs.id)).source == "bob's post"
    assert (await b.get("/statuses/999/edit")).status == 404
    not_deleted = await b.post(f"/statuses/{theirs.id}/delete", {"csrf_token": page.csrf})
    assert not_deleted.status == 403 and await inst.state.store.statuses.get(theirs.id) is not None

    await b.get(f"/@alice/{mine.id}")
    gone = await b.post(f"/statuses/{mine.id}/delete", {"back": f"/@alice/{mine.id}"})
    assert gone.url.endswith("/@alice") and "Deleted." in gone.text
    assert await inst.state.store.statuses.get(mine.id) is None


async def test_like_boost_bookmark_and_pin_buttons_go_back_where_they_were(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    bob = await inst.user("bob")
    await follows.follow(inst.state, alice, bob)
    theirs = await post(inst, "bob", "a post worth keeping")
    mine = await post(inst, "alice", "my own post")
    b = await signed_in(browser_for, inst, "alice")
    home = await b.get("/home")
    assert f'action="/statuses/{theirs.id}/favourite"' in home.text
    # each button names the post it acts on, for screen readers (the visible label stays short)
    assert 'aria-label="Like post by @bob">Like</button>' in home.text
    assert 'aria-label="Boost post by @bob">Boost</button>' in home.text
    assert 'aria-label="Bookmark post by @bob">Bookmark</button>' in home.text
    assert 'aria-label="Reply to post by @bob">Reply</a>' in home.text
    assert 'aria-label="Edit post by @alice">Edit</a>' in home.text
    assert 'aria-label="Delete post by @alice">Delete</button>' in home.text

    liked = await b.post(f"/statuses/{theirs.id}/favourite", {"back": "/home"}, follow=False)
    assert liked.status == 303 and liked.headers["Location"] == "/home"
    assert await inst.state.store.favourites.get(alice.id, theirs.id) is not None
    page = await b.get("/home")
    assert f'action="/statuses/{theirs.id}/unfavourite"' in page.text
    assert 'aria-pressed="true" aria-label="Liked post by @bob">Liked</button>' in page.text
    [note] = [n for n in await inst.state.store.notifications.list(bob.id) if n.type == "favourite"]
    assert note.from_account_id == alice.id and note.status_id == theirs.id
    await b.post(f"/statuses/{theirs.id}/unfavourite", {"back": "/home"})
    assert await inst.state.store.favourites.get(alice.id, theirs.id) is None

    # without a `back` field the page the form was on (its Referer) is where the browser returns
    async with b.session.post(f"{inst.base}/statuses/{theirs.id}/reblog", data={"csrf_token": page.csrf},
                              headers={"Referer": f"{inst.base}/@bob"}, allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"] == "/@bob"
    boost = await inst.state.store.statuses.reblog_of(alice.id, theirs.id)
    assert boost is not None
    profile = await b.get("/@alice")
    assert 'Boosted by <a href="/@alice">' in profile.text and boost.id in card_ids(profile.text)
    # a boost's own id stands for the boosted post
    await b.post(f"/statuses/{boost.id}/unreblog", {"back": "/@alice"})
    assert await inst.state.store.statuses.reblog_of(alice.id, theirs.id) is None

    await b.get("/home")
    await b.post(f"/statuses/{theirs.id}/bookmark", {"back": "/home"})
    marks = await b.get("/bookmarks")
    assert marks.status == 200 and card_ids(marks.text) == [theirs.id] and ">Bookmarked</button>" in marks.text
    await b.post(f"/statuses/{theirs.id}/unbookmark", {"back": "/bookmarks"})
    assert card_ids((await b.get("/bookmarks")).text) == []

    pinned = await b.post(f"/statuses/{mine.id}/pin", {"back": "/@alice"})
    assert "Pinned to your profile." in pinned.text and '</svg> Pinned</p>' in pinned.text
    assert "📌" not in pinned.text  # no emoji icons: they show as empty boxes without an emoji font
    assert await inst.state.store.pins.list(alice.id) == [mine.id]
    assert "Someone else" in (await b.post(f"/statuses/{theirs.id}/pin", {"csrf_token": pinned.csrf})).text

    # an external "back" is never followed
    away = await b.post(f"/statuses/{theirs.id}/favourite", {"back": "//evil.example/", "csrf_token": pinned.csrf},
                        follow=False)
    assert away.status == 303 and away.headers["Location"] == f"/statuses/{theirs.id}"


async def test_forms_need_a_valid_token_and_a_signed_in_account(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    await inst.user("bob")
    theirs = await post(inst, "bob", "hello")
    b = await signed_in(browser_for, inst, "alice")
    await b.get("/home")
    forged = await b.post(f"/statuses/{theirs.id}/favourite", {"back": "/home"}, csrf="0" * 64)
    assert forged.status == 403 and "The form expired" in forged.text
    assert await inst.state.store.favourites.get(alice.id, theirs.id) is None
    forged_post = await b.post("/compose", {"status": "forged"}, csrf="")
    assert forged_post.status == 403
    assert (await inst.state.store.timelines.account(alice.id, ("public",)))[0] == []

    visitor = browser_for(inst)
    page = await visitor.get(f"/@bob/{theirs.id}")
    assert "/favourite" not in page.text and 'action="/compose"' not in page.text
    page = await visitor.get("/@bob")  # a page with a form (following from another server) and its token
    out = await visitor.post(f"/statuses/{theirs.id}/favourite", {"csrf_token": page.csrf}, follow=False)
    assert out.status == 303 and out.headers["Location"].startswith("/auth/sign_in?next=")
    out = await visitor.post("/compose", {"status": "anonymous", "csrf_token": page.csrf}, follow=False)
    assert out.status == 303 and out.headers["Location"].startswith("/auth/sign_in?next=")
    for path in ("/home", "/federated", "/compose", "/bookmarks", f"/statuses/{theirs.id}/edit"):
        went = await visitor.get(path, allow_redirects=False)
        assert went.status == 303 and went.headers["Location"].startswith("/auth/sign_in?next="), path
    assert (await visitor.get("/local")).status == 200


async def test_timelines_page_with_older_and_newer_links(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    bob = await inst.user("bob")
    await inst.user("carol")
    await follows.follow(inst.state, alice, bob)
    posts = [await post(inst, "bob", f"bob says {i}") for i in range(23)]
    carols = await post(inst, "carol", "carol is not followed")
    b = await signed_in(browser_for, inst, "alice")

    home = await b.get("/home")
    assert card_ids(home.text) == [s.id for s in posts[::-1][:20]]
    assert carols.id not in card_ids(home.text) and 'id="quick-text"' in home.text
    older = await b.get(link(home.text, "next"))
    assert card_ids(older.text) == [s.id for s in posts[::-1][20:]]
    assert 'id="quick-text"' not in older.text  # the compose box is on the newest page only
    newer = await b.get(link(older.text, "prev"))
    assert card_ids(newer.text) == [s.id for s in posts[::-1][:20]]

    local = await b.get("/local")
    assert card_ids(local.text)[0] == carols.id and 'aria-current="page">Local' in local.text
    federated = await b.get("/federated")
    assert card_ids(federated.text)[0] == carols.id
