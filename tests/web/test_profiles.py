"""Profiles and following in the browser: following across instances from a remote
profile page, follow requests and cancelling them, following from another server (the
remote-follow form), unknown handles, and hostile content from a peer rendered safely."""

import json
import re
from urllib.parse import unquote

from fedi.activitypub.vocab import PUBLIC
from fedi.services import follows
from tests.federation.foreign_peer import ForeignPeer
from tests.web.pagehelpers import card_ids, post
from tests.web.browser import Browser


async def signed_in(browser_for, inst, username: str) -> Browser:
    b = browser_for(inst)
    page = await b.sign_in(username, "password123")
    assert page.status == 200 and "Sign out" in page.text
    return b


async def test_following_across_instances_from_a_profile_page(fed, browser_for):
    personal = await fed.start("personal.test")
    pro = await fed.start("pro.test", "professional")
    alice = await personal.user("alice")
    bob = await pro.user("bob")
    await post(pro, "bob", "a public hello from bob")
    a = await signed_in(browser_for, personal, "alice")

    # bob's profile, looked up through federation
    profile_path = f"/@bob@{pro.domain}"
    page = await a.get(profile_path)
    assert page.status == 200 and f"@bob@{pro.domain}" in page.text
    assert "approves each follower" in page.text  # professional accounts approve by hand
    assert f'action="{profile_path}/follow"' in page.text and ">Follow</button>" in page.text
    assert f'aria-label="Follow @bob@{pro.domain}">Follow</button>' in page.text  # named for screen readers
    assert "remote_follow" not in page.text  # a remote account is followed from its own server

    requested = await a.post(f"{profile_path}/follow", {"back": profile_path,
                                                         "note": "We met at the conference."})
    assert requested.url.endswith(profile_path) and "Request sent to bob." in requested.text
    assert '<span class="badge">Requested</span>' in requested.text and "Cancel request" in requested.text
    assert f'aria-label="Cancel request to @bob@{pro.domain}">Cancel request</button>' in requested.text
    await fed.settle()
    alice_there = await pro.state.store.accounts.by_uri(personal.actor("alice"))
    [pending] = await pro.state.store.follows.pending_for(bob.id)
    assert pending.follower_id == alice_there.id and pending.note == "We met at the conference."

    await follows.accept(pro.state, bob, alice_there)
    await fed.settle()
    following = await a.get(profile_path)
    assert f'aria-label="Unfollow @bob@{pro.domain}">Unfollow</button>' in following.text

    # bob posts to his connections from his compose page; it reaches alice's home timeline
    b = await signed_in(browser_for, pro, "bob")
    form = await b.get("/compose")
    assert '<option value="private" selected>Connections only</option>' in form.text
    posted = await b.post("/compose", {"status": "for my connections only", "visibility": "private",
                                       "post_key": "x"})
    assert posted.status == 200 and "Posted." in posted.text
    await fed.settle()
    home = await a.get("/home")
    assert "for my connections only" in home.text
    remote_status = await personal.state.store.statuses.by_uri(
        (await pro.state.store.statuses.get(card_ids(posted.text)[0])).uri)
    assert remote_status.visibility == "private" and remote_status.id in card_ids(home.text)
    # a visitor does not see it on bob's profile here
    assert "for my connections only" not in (await browser_for(personal).get(profile_path)).text

    # alice likes it; bob is told
    await a.post(f"/statuses/{remote_status.id}/favourite", {"back": "/home"})
    await fed.settle()
    notes = await pro.state.store.notifications.list(bob.id)
    assert [n.from_account_id for n in notes if n.type == "favourite"] == [alice_there.id]
    assert await personal.state.store.favourites.get(alice.id, remote_status.id) is not None


async def test_follow_requests_can_be_cancelled_and_use_the_kinds_wording(fed, browser_for):
    pro = await fed.start("pro.test", "professional")
    carol = await pro.user("carol")
    dave = await pro.user("dave")
    c = await signed_in(browser_for, pro, "carol")
    page = await c.get("/@dave")
    assert 'aria-label="Connect @dave">Connect</button>' in page.text and "Add a note to your request" in page.text
    sent = await c.post("/@dave/follow", {"back": "/@dave"})
    assert "Request sent to dave." in sent.text and '<span class="badge">Request sent</span>' in sent.text
    assert (await pro.state.store.follows.get(carol.id, dave.id)).state == "pending"
    cancelled = await c.post("/@dave/unfollow", {"back": "/@dave"})
    assert ">Connect</button>" in cancelled.text
    assert await pro.state.store.follows.get(carol.id, dave.id) is None

    await follows.follow(pro.state, dave, carol)
    await follows.accept(pro.state, carol, dave)
    mutual = await c.get("/@dave")
    assert '<span class="badge">Follows you</span>' in mutual.text
    own = await c.get("/@carol")
    assert "Edit profile" in own.text and "/follow" not in own.text
    assert (await c.post("/@nobody/follow", {"csrf_token": own.csrf})).status == 404


async def test_unknown_remote_handles_get_a_clear_not_found_page(fed, browser_for):
    personal = await fed.start("personal.test")
    pro = await fed.start("pro.test", "professional")
    await personal.user("alice")
    b = await signed_in(browser_for, personal, "alice")
    missing = await b.get(f"/@nobody@{pro.domain}")
    assert missing.status == 404 and "<h1>Not found</h1>" in missing.text
    assert f"@nobody@{pro.domain} could not be found" in missing.text
    unreachable = await b.get("/@someone@nowhere.test:1")
    assert unreachable.status == 404 and "@someone@nowhere.test:1 could not be found" in unreachable.text


async def test_visitors_follow_from_their_own_server(fed, browser_for):
    personal = await fed.start("personal.test")
    pro = await fed.start("pro.test", "professional")
    alice = await personal.user("alice")
    await pro.user("bob")

    # our WebFinger tells other servers where to send their people
    status, jrd = await personal.get_json(f"/.well-known/webfinger?resource=acct:alice@{personal.domain}")
    [subscribe] = [link for link in jrd["links"] if link["rel"] == "http://ostatus.org/schema/1.0/subscribe"]
    assert subscribe["template"] == f"{personal.base}/authorize_interaction?uri={{uri}}"

    # bob, on pro.test, visits alice's profile on personal.test and gives his handle
    visitor = browser_for(personal)
    await visitor.get("/@alice")
    onward = await visitor.post("/@alice/remote_follow", {"handle": f"@bob@{pro.domain}"})
    assert onward.status == 200
    target = re.search(r'<a class="button" href="([^"]+)"', onward.text).group(1).replace("&amp;", "&")
    assert target.startswith(f"{pro.base}/authorize_interaction?uri=")
    assert f'<meta http-equiv="refresh" content="0; url={target.replace("&", "&amp;")}">' in onward.text
    assert unquote(target.split("uri=", 1)[1]) == alice.uri

    # there, signed in, he is shown a way to connect with alice
    b = await signed_in(browser_for, pro, "bob")
    landing = await b.get(target[len(pro.base):])
    assert landing.status == 200 and f"alice@{personal.domain}" in landing.text

    await visitor.get("/@alice")
    bad = await visitor.post("/@alice/remote_follow", {"handle": "not a handle"})
    assert bad.status == 422 and "Enter your handle as you@your.server." in bad.text
    assert 'value="not a handle"' in bad.text
    nobody = await visitor.post("/@alice/remote_follow", {"handle": f"nobody@{pro.domain}", "csrf_token": bad.csrf})
    assert nobody.status == 422 and f"@nobody@{pro.domain} was not found" in nobody.text
    local = await visitor.post("/@alice/remote_follow", {"handle": f"alice@{personal.domain}",
                                                        "csrf_token": bad.csrf}, follow=False)
    assert local.status == 303 and local.headers["Location"].startswith("/auth/sign_in?next=")
    forged = await visitor.post("/@alice/remote_follow", {"handle": f"bob@{pro.domain}"}, csrf="0" * 64)
    assert forged.status == 403


class HostilePeer(ForeignPeer):
    """A peer whose actor and posts try every trick on the pages that show them."""

    def actor_doc(self, name="zed") -> dict:
        doc = super().actor_doc(name)
        doc["name"] = "&lt;img src=x onerror=alert('name')&gt;" + "W" * 5000
        doc["summary"] = '<p onmouseover="alert(\'bio\')">bio<iframe src="https://evil.example/"></iframe></p>'
        doc["attachment"] = [{"type": "PropertyValue", "name": "<b>Site</b>",
                              "value": "<a href=\"javascript:alert('field')\">x</a><script>alert('f2')</script>"}]
        doc["icon"] = {"type": "Image", "url": "javascript:alert('icon')"}
        return doc


async def test_hostile_content_from_a_peer_renders_escaped_and_sanitized(fed, browser_for):
    personal = await fed.start("personal.test")
    await personal.user("alice")
    peer = HostilePeer("evil.test", personal.session)
    await peer.server.start_server()
    try:
        note_id = f"{peer.base}/notes/1"
        create = {
            "@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}/activity", "type": "Create",
            "actor": peer.actor_uri(), "to": [PUBLIC], "cc": [],
            "object": {
                "id": note_id, "type": "Note", "attributedTo": peer.actor_uri(), "to": [PUBLIC], "cc": [],
                "published": "2026-01-01T00:00:00Z", "sensitive": True,
                "summary": "<b>careful</b> &lt;script&gt;alert('cw')&lt;/script&gt;",
                "content": "<p>hello <script>alert('c1')</script><img src=\"x\" onerror=\"alert('c2')\">"
                           "<a href=\"javascript:alert('c3')\">click</a> "
                           "<a href=\"https://ok.example/\" onclick=\"alert('c4')\">ok</a></p>",
                "attachment": [
                    {"type": "Document", "mediaType": "image/png", "url": "javascript:alert('m')", "name": "m"},
                    {"type": "Document", "mediaType": "image/png", "url": f"{peer.base}/cat.png",
                     "name": "\"><script>alert('alt')</script>a cat"},
                ],
            },
        }
        body = json.dumps(create).encode()
        inbox = personal.base + "/inbox"
        async with personal.session.post(inbox, data=body, headers=peer.signed_headers("POST", inbox, body)) as r:
            assert r.status == 202, await r.text()
        await fed.settle()
        st = await personal.state.store.statuses.by_uri(note_id)
        assert st is not None

        visitor = browser_for(personal)
        reader = await signed_in(browser_for, personal, "alice")
        pages = [await visitor.get(f"/@zed@{peer.domain}/{st.id}"), await visitor.get(f"/@zed@{peer.domain}"),
                 await reader.get("/federated"), await reader.get(f"/statuses/{st.id}")]
        for page in pages:
            assert page.status == 200, page.url
            assert st.id in card_ids(page.text), page.url
            text = page.text
            for marker in ("c1", "c2", "c3", "c4", "cw", "m", "alt", "name", "bio", "field", "f2", "icon"):
                assert f"alert('{marker}')" not in text, (marker, page.url)
            assert "javascript:" not in text and "onerror=\"" not in text and "<iframe" not in text
            assert "<img src=x" not in text and "onmouseover" not in text
            # what survives is shown as text, escaped
            assert "&lt;img src=x onerror=alert(&#39;name&#39;)&gt;" in text
            assert "W" * 150 not in text  # names are cut to 100 characters when they arrive
            assert 'href="https://ok.example/"' in text and ">click</a>" in text
            assert f'src="{personal.base}/static/avatar.png"' in text  # the javascript: icon was dropped
        thread = pages[0].text
        assert "<summary>careful &lt;script&gt;alert(&#39;cw&#39;)&lt;/script&gt; <span" in thread
        assert 'alt="&#34;&gt;a cat"' in thread
        profile = pages[1].text
        assert "<dt>Site</dt>" in profile and "<p>bio</p>" in profile
    finally:
        await peer.server.close()
