"""Notifications, follow requests, following by handle and the search page."""

import time

from fedi.ids import new_id
from fedi.models import Notification
from fedi.services import follows, remote, statuses


async def signed_in(browser_for, inst, username: str):
    b = browser_for(inst)
    await b.get("/auth/sign_in")
    page = await b.post("/auth/sign_in", {"login": username, "password": "password123"}, follow=False)
    assert page.status == 303
    return b


async def test_follow_by_handle_across_instances_with_approval(fed, browser_for):
    personal = await fed.start("personal.test")
    pro = await fed.start("pro.test", "professional")
    alice = await personal.user("alice")
    bob = await pro.user("bob")
    a = await signed_in(browser_for, personal, "alice")
    form = await a.get("/follow")
    assert form.status == 200 and '<label for="handle">' in form.text
    sent = await a.post("/follow", {"handle": f"@bob@{pro.domain}", "note": "We met at the conference."},
                        follow=False)
    assert sent.status == 303 and sent.headers["Location"] == f"/@bob@{pro.domain}"
    bob_here = await personal.state.store.accounts.by_handle("bob", pro.domain)
    fol = await personal.state.store.follows.get(alice.id, bob_here.id)
    assert fol is not None and fol.state == "pending" and fol.note == "We met at the conference."
    await fed.settle()

    b = await signed_in(browser_for, pro, "bob")
    requests = await b.get("/follow_requests")
    assert requests.status == 200 and "<h1>Connection requests</h1>" in requests.text
    assert f"@alice@{personal.domain}" in requests.text and "We met at the conference." in requests.text
    alice_there = await pro.state.store.accounts.by_handle("alice", personal.domain)
    notes = await b.get("/notifications")
    assert "asked to connect with you" in notes.text and "Connection requests (1)" in notes.text

    forged = await b.post(f"/follow_requests/{alice_there.id}/authorize", {}, csrf="0" * 64)
    assert forged.status == 403
    assert (await pro.state.store.follows.get(alice_there.id, bob.id)).state == "pending"
    await b.get("/follow_requests")
    approved = await b.post(f"/follow_requests/{alice_there.id}/authorize", {})
    assert approved.status == 200 and approved.url.endswith("/follow_requests")
    # approved as a follower (not followed back): not yet a connection
    assert f"@alice@{personal.domain} now follows you." in approved.text
    assert "No one is waiting for your answer." in approved.text
    await fed.settle()
    assert (await personal.state.store.follows.get(alice.id, bob_here.id)).state == "accepted"
    assert (await pro.state.store.follows.get(alice_there.id, bob.id)).state == "accepted"

    again = await a.get("/search?q=" + f"@bob@{pro.domain}")
    assert "Remove connection" not in again.text  # alice's instance is personal
    assert f'aria-label="Unfollow @bob@{pro.domain}">Unfollow<' in again.text


async def test_follow_requests_reject_and_handle_forms(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    carol = await inst.user("carol")
    await inst.user("dave")
    await inst.state.store.accounts.update(alice.id, locked=True)
    alice.locked = True
    c = await signed_in(browser_for, inst, "carol")
    await c.get("/follow")
    sent = await c.post("/follow", {"handle": f"alice@{inst.domain}"})
    assert "Request sent: @alice will decide" in sent.text
    d = await signed_in(browser_for, inst, "dave")
    await d.get("/follow")
    by_url = await d.post("/follow", {"handle": f"{inst.base}/@alice"}, follow=False)
    assert by_url.status == 303 and by_url.headers["Location"] == "/@alice"

    a = await signed_in(browser_for, inst, "alice")
    page = await a.get("/follow_requests")
    assert "<h1>Follow requests</h1>" in page.text and "@carol" in page.text and "@dave" in page.text
    declined = await a.post(f"/follow_requests/{carol.id}/reject", {})
    assert "You declined the request from @carol." in declined.text
    assert await inst.state.store.follows.get(carol.id, alice.id) is None
    gone = await a.post(f"/follow_requests/{carol.id}/authorize", {"csrf_token": declined.csrf})
    assert gone.status == 404

    errors = browser_for(inst)
    await errors.get("/auth/sign_in")
    await errors.post("/auth/sign_in", {"login": "carol", "password": "password123"}, follow=False)
    await errors.get("/follow")
    missing = await errors.post("/follow", {"handle": "@nobody"})
    assert missing.status == 404 and "Could not follow @nobody" in missing.text and 'value="@nobody"' in missing.text
    blank = await errors.post("/follow", {"handle": "  "})
    assert blank.status == 422
    myself = await errors.post("/follow", {"handle": "@carol"})
    assert myself.status == 422 and "cannot follow yourself" in myself.text
    unfollowed = await errors.post("/unfollow", {"handle": "@dave"})
    assert unfollowed.url.endswith("/@dave") and "You were not following @dave." in unfollowed.text

    visitor = browser_for(inst)
    assert (await visitor.get("/follow", allow_redirects=False)).headers["Location"].startswith(
        "/auth/sign_in?next=")
    assert (await visitor.get("/follow_requests", allow_redirects=False)).status == 303


async def test_notifications_page_kinds_paging_and_marker(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    bob = await inst.user("bob")
    state = inst.state
    post = await statuses.create(state, alice, "a post about #gardens")
    await follows.follow(state, bob, alice)
    await statuses.create(state, bob, "@alice what do you grow?")
    await statuses.favourite(state, bob, post)
    await statuses.reblog(state, bob, post)

    a = await signed_in(browser_for, inst, "alice")
    page = await a.get("/notifications")
    assert page.status == 200
    for words in ("followed you", "mentioned you", "liked your post", "boosted your post"):
        assert words in page.text, words
    assert "what do you grow?" in page.text and "a post about" in page.text
    assert page.text.count('<span class="badge">New</span>') == 4
    [marker] = await state.store.markers.get(alice.id, ["notifications"])
    newest = (await state.store.notifications.page(alice.id, limit=1))[0]
    assert marker["last_read_id"] == newest.id
    assert '<span class="badge">New</span>' not in (await a.get("/notifications")).text

    for _ in range(25):
        await state.store.notifications.insert(Notification(
            id=new_id(), account_id=alice.id, type="follow", from_account_id=bob.id, created_at=time.time()))
    first = await a.get("/notifications")
    assert first.text.count('class="notification ') == 20 and 'rel="next"' in first.text
    older = first.text.split('href="/notifications?max_id=')[1].split('"')[0]
    second = await a.get(f"/notifications?max_id={older}")
    assert second.text.count('class="notification ') == 9 and ">Newest<" in second.text
    [marker] = await state.store.markers.get(alice.id, ["notifications"])
    assert int(marker["last_read_id"]) > int(older)  # reading older pages does not move it back

    visitor = browser_for(inst)
    away = await visitor.get("/notifications", allow_redirects=False)
    assert away.status == 303 and away.headers["Location"].startswith("/auth/sign_in?next=")
    assert away.headers["Location"].endswith("notifications")


async def test_search_page(fed, browser_for):
    personal = await fed.start("personal.test")
    pro = await fed.start("pro.test", "professional")
    alice = await personal.user("alice")
    await personal.user("alfred")
    await pro.user("bob")
    post = await statuses.create(personal.state, alice, "tomatoes and #gardening tips")

    visitor = browser_for(personal)
    page = await visitor.get("/search?q=al")
    assert page.status == 200 and 'role="search"' in page.text
    assert "@alice" in page.text and "@alfred" in page.text and 'action="/follow"' not in page.text
    tags = await visitor.get("/search?q=%23garden")
    assert 'href="/tags/gardening"' in tags.text
    remote_unknown = await visitor.get(f"/search?q=@bob@{pro.domain}")
    assert "Nothing found" in remote_unknown.text  # visitors do not make the server look others up
    by_url = await visitor.get(f"/search?q={personal.state.urls.status('alice', post.id)}")
    assert f'href="/@alice/{post.id}"' in by_url.text and "tomatoes" in by_url.text
    by_page_url = await visitor.get(f"/search?q={personal.base}/@alice/{post.id}")
    assert f'href="/@alice/{post.id}"' in by_page_url.text

    a = await signed_in(browser_for, personal, "alice")
    found = await a.get(f"/search?q=@bob@{pro.domain}")
    assert f"@bob@{pro.domain}" in found.text and 'action="/follow"' in found.text
    assert f'name="handle" value="@bob@{pro.domain}"' in found.text
    # each result's button says whom it follows (to a screen reader; the eye sees "Follow")
    assert f'aria-label="Follow @bob@{pro.domain}">Follow</button>' in found.text
    assert "Locked</span>" in found.text and "🔒" not in found.text  # bob approves followers
    several = await a.get("/search?q=al")
    assert 'aria-label="Follow @alfred">Follow</button>' in several.text
    followed = await a.post("/follow", {"handle": f"@bob@{pro.domain}"}, follow=False)
    assert followed.status == 303 and followed.headers["Location"] == f"/@bob@{pro.domain}"
    requested = await a.get(f"/search?q=@bob@{pro.domain}")
    assert "Request sent" in requested.text
    assert f'aria-label="Withdraw request to @bob@{pro.domain}">Withdraw request</button>' in requested.text
    withdrawn = await a.post("/unfollow", {"handle": f"@bob@{pro.domain}"}, follow=False)
    assert withdrawn.status == 303
    bob_here = await remote.account_by_handle(personal.state, "bob", pro.domain)
    assert await personal.state.store.follows.get(alice.id, bob_here.id) is None
    own = await a.get("/search?q=alice")
    assert 'value="@alice"' not in own.text  # no follow button for oneself

    profile_url = await a.get(f"/search?q={pro.base}/@bob")
    assert f"@bob@{pro.domain}" in profile_url.text
    interaction = await a.get(f"/authorize_interaction?uri=bob@{pro.domain}", allow_redirects=False)
    assert interaction.headers["Location"] == f"/search?q=bob%40{pro.domain.replace(':', '%3A')}"
