"""A new member's first visit, in a real browser, with JavaScript on and off: sign up, sign
in, post, see the post on the profile, follow someone on another instance by handle (who
approves it there), see their post arrive, like it, sign out."""

from __future__ import annotations

import pytest

from fedi.services import accounts
from tests.browser.helpers import MODULE_MARKS, Watch, reload_until, sign_in
from tests.harness import wait_for

pytestmark = MODULE_MARKS
expect = pytest.importorskip("playwright.async_api", reason="Playwright for Python is not installed").expect

PASSWORD = "correct horse battery"


async def api(inst, method: str, path: str, token: str, body: dict | None = None):
    async with inst.session.request(method, inst.base + path, json=body,
                                    headers={"Authorization": f"Bearer {token}"}) as resp:
        return resp.status, await resp.json(content_type=None)


async def sign_up(page, base: str) -> None:
    await page.goto(f"{base}/auth/sign_up")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    await page.get_by_label("Username").fill("alice")
    await page.get_by_label("E-mail address").fill("alice@example.com")
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_label("Password again").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    # Open registrations: signed in straight away. Sign out, so that signing in is tried too.
    await expect(page.get_by_role("status")).to_contain_text("Welcome, @alice!")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()


async def compose(page, base: str, text: str) -> None:
    await page.goto(f"{base}/compose")
    await expect(page.get_by_role("heading", level=1)).to_have_text("New post")
    await page.get_by_label("What's on your mind?").fill(text)
    await page.get_by_role("button", name="Post", exact=True).click()
    await expect(page.locator("main")).to_contain_text(text)


async def follow_by_handle(page, base: str, handle: str, *, via_search: bool) -> None:
    """Follow `handle`: found with the search page and followed on the profile it leads to, or
    typed into the follow-by-handle form."""
    if via_search:
        await page.goto(f"{base}/search")
        await page.get_by_label("People, hashtags or a post's address").fill(handle)
        await page.get_by_role("button", name="Search", exact=True).click()
        result = page.locator("main ul.people > li").filter(has_text=handle)
        await result.get_by_role("link", name="Bob Builder").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Bob Builder")
        await page.get_by_role("button", name=f"Follow {handle}", exact=True).click()
    else:
        await page.goto(f"{base}/follow")
        await page.get_by_label("Their handle or profile address").fill(handle)
        await page.get_by_role("button", name="Follow", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("Request sent")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Bob Builder")
    await expect(page.get_by_role("button", name="Cancel request")).to_be_visible()


async def approve(pro_page, pro, follower_acct: str) -> None:
    """Bob approves the request on his own instance, in his own browser."""
    await sign_in(pro_page, pro.base, "bob", "password123")  # the harness's password
    await pro_page.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications").click()
    await pro_page.get_by_role("link", name="Connection requests (1)").click()
    await expect(pro_page.get_by_role("heading", level=1)).to_have_text("Connection requests")
    await pro_page.get_by_role("button", name=f"Approve @{follower_acct}").click()
    await expect(pro_page.get_by_role("button", name=f"Approve @{follower_acct}")).to_have_count(0)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
async def test_sign_up_post_follow_remote_like_sign_out(fed, contexts, js):
    personal = await fed.start("personal.test", run_workers=True)
    pro = await fed.start("pro.test", "professional", run_workers=True)
    bob = await pro.user("bob")
    await pro.state.store.accounts.update(bob.id, display_name="Bob Builder")
    bob_token = await pro.token("bob")

    ctx = await contexts(java_script_enabled=js)
    page = await ctx.new_page()
    watch = Watch(page)
    base = personal.base

    # Sign up, then sign in.
    await sign_up(page, base)
    await sign_in(page, base, "alice", PASSWORD)
    assert page.url.startswith(base)

    # Post, and find the post on the profile page.
    text = f"Hello from a browser, {'with' if js else 'without'} JavaScript"
    await compose(page, base, text)
    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_text("@alice", exact=True).click()  # the account menu (a <details>, no script)
    await nav.get_by_role("link", name="Profile").click()
    assert page.url == f"{base}/@alice"
    await expect(page.locator("main article").filter(has_text=text)).to_be_visible()

    # Follow bob on pro.test by handle (with its port: @bob@pro.test:PORT): found through the
    # search page with JavaScript, typed into the follow form without. Bob approves on pro.test.
    await follow_by_handle(page, base, f"@bob@{pro.domain}", via_search=js)
    alice = await accounts.local_account(personal.state, "alice")
    bob_remote = await wait_for(lambda: personal.state.store.accounts.by_handle("bob", pro.domain), timeout=30)
    pro_ctx = await contexts(java_script_enabled=js)
    pro_page = await pro_ctx.new_page()
    pro_watch = Watch(pro_page)
    await wait_for(lambda: pro.state.store.accounts.by_handle("alice", personal.domain), timeout=30)
    await approve(pro_page, pro, f"alice@{personal.domain}")

    async def accepted():
        fol = await personal.state.store.follows.get(alice.id, bob_remote.id)
        return fol is not None and fol.state == "accepted"
    await wait_for(accepted, timeout=30)

    # Bob posts (to his connections, the professional default); it arrives on alice's home.
    bob_text = "Connections: the site visit is on Thursday"
    status, bob_post = await api(pro, "POST", "/api/v1/statuses", bob_token, {"status": bob_text})
    assert status == 200, bob_post
    card = await reload_until(page, f"{base}/home", lambda p: p.locator("main article").filter(has_text=bob_text))
    await expect(card).to_contain_text("Bob Builder")

    # Like it; bob's instance hears of it.
    await card.get_by_role("button", name=f"Like post by @bob@{pro.domain}", exact=True).click()
    card = page.locator("main article").filter(has_text=bob_text).first
    liked = card.get_by_role("button", name=f"Liked post by @bob@{pro.domain}", exact=True)
    await expect(liked).to_have_attribute("aria-pressed", "true")
    await expect(liked).to_have_text("Liked")

    async def favourited():
        status, doc = await api(pro, "GET", f"/api/v1/statuses/{bob_post['id']}", bob_token)
        return status == 200 and doc["favourites_count"] == 1
    await wait_for(favourited, timeout=30)

    # Sign out.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_text("You are signed out.")).to_be_visible()
    await expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()
    await page.goto(f"{base}/home")
    assert "/auth/sign_in" in page.url

    watch.assert_quiet()
    pro_watch.assert_quiet()
