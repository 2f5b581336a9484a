"""Public pages anyone may read: the landing page, profiles, post permalinks with their
thread, hashtag pages; and the same URLs still answering federation with ActivityPub."""

import html
import re
from html.parser import HTMLParser

from fedi.activitypub.vocab import AP_ACCEPT
from fedi.services import follows, media, pins, profile
from tests.web.pagehelpers import card_ids, link, png, post


async def test_landing_page_shows_the_instance_and_pages_through_the_local_timeline(fed, browser_for):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    made = [await post(inst, "alice", f"note number {i}") for i in range(25)]
    await post(inst, "alice", "for my followers only", visibility="private")
    b = browser_for(inst)

    page = await b.get("/")
    assert page.status == 200
    assert "<h1 id=\"site-name\">personal.test</h1>" in page.text
    assert "A social network on the fediverse" in page.text
    assert "Anyone can sign up here." in page.text and "/auth/sign_up" in page.text
    assert "26 posts" in page.text and "1 account " in page.text
    assert "Rules" not in page.text  # none configured
    assert "for my followers only" not in page.text
    first = card_ids(page.text)
    assert first == [s.id for s in made[::-1][:20]]
    assert 'href="/@alice"' in page.text  # people here
    # the link around avatar and name starts with the picture: no space to underline before the name
    assert re.search(r'<li><a href="/@alice"><img class="avatar small" [^>]*>alice</a>', page.text)
    assert 'rel="prev"' not in page.text  # nothing newer than the first page

    older = await b.get(link(page.text, "next"))
    assert card_ids(older.text) == [s.id for s in made[::-1][20:]]
    assert "note number 0" in older.text and link(older.text, "next") is None
    newer = await b.get(link(older.text, "prev"))
    assert card_ids(newer.text) == first


async def test_profile_page_shows_bio_fields_counts_and_posts_pinned_first(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    bob = await inst.user("bob")
    alice, _ = await profile.update_profile(
        inst.state, alice, display_name="Alice \"A\" & Co", note="Down the rabbit hole",
        fields=[{"name": "Home", "value": "https://wonder.example"}, {"name": "Pet", "value": "Dinah"}])
    pinned = await post(inst, "alice", "the pinned one")
    await pins.pin(inst.state, alice, pinned)
    later = await post(inst, "alice", "a later post")
    reply = await post(inst, "alice", "a reply to bob", in_reply_to=await post(inst, "bob", "hi all"))
    await post(inst, "alice", "only for followers", visibility="private")
    await follows.follow(inst.state, bob, alice)

    b = browser_for(inst)
    page = await b.get("/@alice")
    assert page.status == 200
    assert "<h1 id=\"name-" in page.text and "Alice &#34;A&#34; &amp; Co</h1>" in page.text
    assert "Down the rabbit hole" in page.text
    assert "<dt>Home</dt>" in page.text and 'href="https://wonder.example"' in page.text
    # each count agrees with its number: 1 follower, 4 posts, 1 post
    assert "<strong>1</strong> follower ·" in page.text and "<strong>0</strong> following" in page.text
    assert "<strong>4</strong> posts ·" in page.text
    bobs = await b.get("/@bob")
    assert "<strong>1</strong> post ·" in bobs.text and "<strong>0</strong> followers ·" in bobs.text
    assert "<strong>1</strong> following" in bobs.text
    assert 'class="banner"' in page.text and 'class="avatar big"' in page.text
    ids = card_ids(page.text)
    assert ids[0] == pinned.id and "</svg> Pinned</p>" in page.text
    assert ids == [pinned.id, later.id]  # replies on their own tab; followers-only hidden from visitors
    assert "only for followers" not in page.text
    # a visitor can follow from another server; no follow button without an account here
    assert 'action="/@alice/remote_follow"' in page.text and 'action="/@alice/follow"' not in page.text

    replies = await b.get("/@alice?with_replies=1")
    assert card_ids(replies.text) == [pinned.id, reply.id, later.id]
    assert "Posts and replies</a>" in replies.text and 'aria-current="page">Posts and replies' in replies.text

    # /@alice@this.domain is the same profile; federation gets the actor
    same = await b.get(f"/@alice@{inst.domain}")
    assert same.status == 200 and same.url.endswith("/@alice")
    async with inst.session.get(inst.base + "/@alice", headers={"Accept": AP_ACCEPT},
                                allow_redirects=False) as resp:
        assert resp.status == 302 and resp.headers["Location"] == inst.actor("alice")
    status, actor = await inst.get_json("/@alice")
    assert status == 200 and actor["id"] == inst.actor("alice")

    missing = await b.get("/@nobody")
    assert missing.status == 404 and "There is no account @nobody here." in missing.text


async def test_professional_profiles_use_the_professional_wording(fed, browser_for):
    inst = await fed.start("pro.test", "professional")
    carol = await inst.user("carol")
    dave = await inst.user("dave")
    page = await browser_for(inst).get("/@carol")
    assert page.status == 200
    assert "<strong>0</strong> connections" in page.text and "approves each follower" in page.text
    assert "Locked:</span>" in page.text and "🔒" not in page.text
    assert "Connect from your own server" in page.text
    await follows.follow(inst.state, carol, dave)
    await follows.accept(inst.state, dave, carol)  # accounts here approve their followers
    page = await browser_for(inst).get("/@dave")
    # a follower is not yet a connection: connections follow each other
    assert "<strong>0</strong> connections ·" in page.text and "<strong>1</strong> follower ·" in page.text
    await follows.follow(inst.state, dave, carol)
    await follows.accept(inst.state, carol, dave)
    page = await browser_for(inst).get("/@dave")
    assert "<strong>1</strong> connection ·" in page.text and "<strong>1</strong> following" in page.text


class _ReplyDepths(HTMLParser):
    """Each status card's id -> how many reply lists (<ol class="replies">) it sits in."""

    def __init__(self):
        super().__init__()
        self.lists: list[bool] = []
        self.depths: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ol":
            self.lists.append("replies" in (attrs.get("class") or "").split())
        elif tag == "article" and (attrs.get("id") or "").startswith("s-"):
            self.depths[attrs["id"][2:]] = sum(self.lists)

    def handle_endtag(self, tag):
        if tag == "ol":
            self.lists.pop()


def reply_depths(page: str) -> dict[str, int]:
    parser = _ReplyDepths()
    parser.feed(page)
    return parser.depths


async def test_thread_shows_replies_as_a_tree_naming_whom_each_answers(fed, browser_for):
    inst = await fed.start("personal.test")
    for name in ("alice", "bob", "carol"):
        await inst.user(name)
    root = await post(inst, "alice", "what shall we plant?")
    beans = await post(inst, "bob", "@alice beans", in_reply_to=root)
    runner = await post(inst, "carol", "@bob runner beans?", in_reply_to=beans)
    yes = await post(inst, "alice", "@carol yes, runners", in_reply_to=runner)
    peas = await post(inst, "carol", "@alice peas", in_reply_to=root)
    b = browser_for(inst)

    page = await b.get(f"/@alice/{root.id}")
    assert page.status == 200
    # depth first: each reply under the one it answers, siblings oldest first
    assert card_ids(page.text) == [root.id, beans.id, runner.id, yes.id, peas.id]
    assert reply_depths(page.text) == {root.id: 0, beans.id: 1, runner.id: 2, yes.id: 3, peas.id: 1}
    # each reply names whom it answers, linking to the post it answers
    assert f'In reply to <a href="/@alice/{root.id}">@alice</a>' in page.text
    assert f'In reply to <a href="/@bob/{beans.id}">@bob</a>' in page.text
    assert f'In reply to <a href="/@carol/{runner.id}">@carol</a>' in page.text
    assert "in reply to a post" not in page.text.lower() and "↩" not in page.text

    # from the middle: what it answers above it, its own replies nested below
    middle = await b.get(f"/@carol/{runner.id}")
    assert card_ids(middle.text) == [root.id, beans.id, runner.id, yes.id]
    assert reply_depths(middle.text) == {root.id: 0, beans.id: 0, runner.id: 0, yes.id: 1}
    assert 'aria-label="Earlier in the thread"' in middle.text

    # the landing page's cards name whom a reply answers too
    landing = await b.get("/")
    assert f'In reply to <a href="/@bob/{beans.id}">@bob</a>' in landing.text


async def test_permalink_shows_the_thread_content_warnings_and_alt_text(fed, browser_for):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    bob = await inst.user("bob")
    root = await post(inst, "alice", "the start of a thread")
    upload = await media.upload(inst.state, bob, png().read(), "image/png", "a.png", "A red square", None)
    middle = await post(inst, "bob", "@alice spoilers inside", in_reply_to=root, summary="Book ending",
                        media_ids=[upload.id])
    last = await post(inst, "alice", "a final word", in_reply_to=middle)
    b = browser_for(inst)

    page = await b.get(f"/@bob/{middle.id}")
    assert page.status == 200
    assert card_ids(page.text) == [root.id, middle.id, last.id]
    assert f'class="status focus" id="s-{middle.id}"' in page.text
    assert "<summary>Book ending <span" in page.text  # the content warning folds the post away
    assert 'alt="A red square"' in page.text and "<figcaption>A red square</figcaption>" in page.text
    assert "Replies" in page.text

    moved = await b.get(f"/statuses/{middle.id}")
    assert moved.url.endswith(f"/@bob/{middle.id}")
    wrong_author = await b.get(f"/@alice/{middle.id}")
    assert wrong_author.url.endswith(f"/@bob/{middle.id}")
    async with inst.session.get(f"{inst.base}/@bob/{middle.id}", headers={"Accept": AP_ACCEPT},
                                allow_redirects=False) as resp:
        assert resp.status == 302
        assert resp.headers["Location"] == f"{inst.base}/users/bob/statuses/{middle.id}"
    status, note = await inst.get_json(f"/@bob/{middle.id}")
    assert status == 200 and note["type"] == "Note" and note["inReplyTo"] == root.uri
    # a browser opening the note's ActivityPub id gets the same page
    same = await b.get(f"/users/bob/statuses/{middle.id}", headers={"Accept": "text/html"})
    assert same.status == 200 and card_ids(same.text) == [root.id, middle.id, last.id]

    missing = await b.get("/@bob/12345")
    assert missing.status == 404 and "does not exist" in missing.text
    assert (await b.get("/statuses/12345")).status == 404


async def test_followers_only_posts_are_for_followers(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    bob = await inst.user("bob")
    await inst.user("eve")
    secret = await post(inst, "alice", "a followers-only thought", visibility="private")
    await follows.follow(inst.state, bob, alice)

    visitor = await browser_for(inst).get(f"/@alice/{secret.id}")
    assert visitor.status == 404 and "a followers-only thought" not in visitor.text
    eve = browser_for(inst)
    await eve.sign_in("eve", "password123")
    assert (await eve.get(f"/@alice/{secret.id}")).status == 404
    follower = browser_for(inst)
    await follower.sign_in("bob", "password123")
    page = await follower.get(f"/@alice/{secret.id}")
    assert page.status == 200 and "a followers-only thought" in page.text and "Followers only" in page.text
    assert "a followers-only thought" in (await follower.get("/@alice")).text


async def test_tag_pages_page_through_public_posts(fed, browser_for):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    tagged = [await post(inst, "alice", f"cat picture {i} #Cats") for i in range(22)]
    await post(inst, "alice", "no tag here")
    await post(inst, "alice", "hidden #cats", visibility="private")
    b = browser_for(inst)

    page = await b.get("/tags/cats")
    assert page.status == 200 and "<h1>#cats</h1>" in page.text
    assert card_ids(page.text) == [s.id for s in tagged[::-1][:20]]
    assert "no tag here" not in page.text and "hidden #cats" not in page.text
    older = await b.get(link(page.text, "next"))
    assert card_ids(older.text) == [tagged[1].id, tagged[0].id]
    assert card_ids((await b.get("/tags/CATS")).text)[:1] == [tagged[-1].id]
    # the hashtag links inside posts lead here
    assert f'href="{inst.base}/tags/cats"' in page.text
    bad = await b.get("/tags/not a tag!")
    assert bad.status == 404 and "There is no such hashtag." in bad.text


async def test_signed_in_readers_follow_hashtags_from_the_tag_page(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    await inst.user("bob")
    b = browser_for(inst)
    await b.sign_in("alice", "password123")
    page = await b.get("/tags/gardening")
    assert "Follow #gardening" in page.text
    done = await b.post("/tags/gardening/follow", {"back": "/tags/gardening"})
    assert done.status == 200 and "Unfollow #gardening" in done.text
    assert html.escape("Posts with #gardening now appear on your home timeline.", quote=True) in done.text
    assert await inst.state.store.followed_tags.get(alice.id, "gardening") is not None
    await post(inst, "bob", "tomatoes! #gardening")
    assert "tomatoes!" in (await b.get("/home")).text
    undone = await b.post("/tags/gardening/unfollow", {"back": "/tags/gardening"})
    assert "Follow #gardening" in undone.text
    assert await inst.state.store.followed_tags.get(alice.id, "gardening") is None
