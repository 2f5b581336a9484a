"""Hostile content from a peer: a post full of scripts, event handlers and javascript: links,
by an account with a 3000-character display name and a booby-trapped bio, is shown on the
pages of a signed-in member without running anything and without breaking the layout."""

from __future__ import annotations

import pytest

from fedi.services import accounts, follows, remote
from tests.browser.helpers import DOM_AUDIT, MODULE_MARKS, PHONE, Watch, overflow, reload_until, sign_in
from tests.harness import wait_for

pytestmark = MODULE_MARKS
expect = pytest.importorskip("playwright.async_api", reason="Playwright for Python is not installed").expect

MARK = "xss-fired"
SCRIPTY = (
    f"<script>alert('{MARK}-script')</script>"
    f"<img src=\"x\" onerror=\"alert('{MARK}-img')\">"
    f"<svg onload=\"alert('{MARK}-svg')\"><circle r=\"5\"/></svg>"
    f"<a href=\"javascript:alert('{MARK}-link')\">a javascript link</a> "
    f"<a href=\" JaVaScRiPt:alert('{MARK}-spaced')\">a disguised one</a> "
    f"<a href=\"data:text/html,<script>alert('{MARK}-data')</script>\">a data link</a>"
    f"<iframe src=\"javascript:alert('{MARK}-iframe')\"></iframe>"
    f"<form action=\"javascript:alert('{MARK}-form')\"><button formaction=\"javascript:alert(1)\">go</button></form>"
    f"<p style=\"position:fixed;inset:0;background:red\" onmouseover=\"alert('{MARK}-hover')\">hover</p>"
    f"<style>body {{ display: none }}</style>"
    f"<object data=\"javascript:alert('{MARK}-object')\"></object>"
)
LONG_NAME = "<img src=x onerror=alert('" + MARK + "-name')>" + "W" * 3000
LONG_WORD = "https://example.com/" + "a" * 400


def create(pro, personal, number: int, **note_fields) -> dict:
    """A Create of a public note by mallory, mentioning alice, with the given (hostile) fields."""
    note_id = f"{pro.actor('mallory')}/statuses/{number}"
    note = {
        "id": note_id, "type": "Note", "attributedTo": pro.actor("mallory"),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [f"{pro.actor('mallory')}/followers", personal.actor("alice")],
        "published": f"2025-01-01T12:00:0{number % 10}Z", "summary": None, "sensitive": False,
        "tag": [{"type": "Mention", "href": personal.actor("alice"), "name": f"@alice@{personal.domain}"}],
        **note_fields,
    }
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}/activity",
            "type": "Create", "actor": pro.actor("mallory"), "to": note["to"], "cc": note["cc"], "object": note}


async def test_hostile_remote_post_runs_nothing(fed, contexts):
    viewport = PHONE
    personal = await fed.start("personal.test", run_workers=True)
    pro = await fed.start("pro.test", "professional", run_workers=True)
    await personal.user("alice")
    mallory = await pro.user("mallory")
    await pro.state.store.accounts.update(
        mallory.id, display_name=LONG_NAME, note=f"<p>bio {SCRIPTY}</p>",
        fields=[{"name": f"<script>alert('{MARK}-field')</script>",
                 "value": f"<a href=\"javascript:alert('{MARK}-field-link')\">site</a>"}])

    # alice follows mallory (approved on pro.test), so mallory's posts reach alice's home.
    alice = await accounts.local_account(personal.state, "alice")
    mallory_there = await remote.account_by_uri(personal.state, pro.actor("mallory"))
    await follows.follow(personal.state, alice, mallory_there)
    alice_there = await wait_for(lambda: pro.state.store.accounts.by_handle("alice", personal.domain),
                                 timeout=30)
    await wait_for(lambda: pro.state.store.follows.get(alice_there.id, mallory.id), timeout=30)
    await follows.accept(pro.state, await accounts.local_account(pro.state, "mallory"), alice_there)

    async def accepted():
        fol = await personal.state.store.follows.get(alice.id, mallory_there.id)
        return fol is not None and fol.state == "accepted"
    await wait_for(accepted, timeout=30)

    # Crafted Creates, signed by mallory's key, straight to alice's inbox: one post full of
    # scripts, and one with a booby-trapped content warning.
    hostile = create(pro, personal, 6660001, url=f"javascript:alert('{MARK}-url')",
                     content=f"<p>hostile post {LONG_WORD} {SCRIPTY}</p>",
                     tag=[{"type": "Mention", "href": personal.actor("alice"), "name": f"@alice@{personal.domain}"},
                          {"type": "Hashtag", "href": "javascript:alert(1)", "name": "#<script>alert(1)</script>"}],
                     attachment=[{"type": "Document", "mediaType": "image/png",
                                  "url": f"javascript:alert('{MARK}-media')",
                                  "name": f"\" onerror=\"alert('{MARK}-alt')"}])
    warned = create(pro, personal, 6660002, sensitive=True,
                    summary=f"warning <img src=x onerror=\"alert('{MARK}-cw')\"> {LONG_WORD}",
                    content=f"<p>behind the warning {SCRIPTY}</p>")
    for activity in (hostile, warned):
        status = await pro.deliver_as("mallory", f"{personal.base}/users/alice/inbox", activity)
        assert status in (200, 202), status
    stored = await wait_for(lambda: personal.state.store.statuses.by_uri(hostile["object"]["id"]), timeout=30)
    await wait_for(lambda: personal.state.store.statuses.by_uri(warned["object"]["id"]), timeout=30)

    ctx = await contexts(viewport=viewport)
    page = await ctx.new_page()
    watch = Watch(page)
    base = personal.base
    await sign_in(page, base, "alice", "password123")  # the harness's password

    await reload_until(page, f"{base}/home", lambda p: p.get_by_text("hostile post"))
    for path in ("/home", f"/@mallory@{pro.domain}", f"/@mallory@{pro.domain}/{stored.id}", "/notifications",
                 f"/search?q=%40mallory%40{pro.domain}"):
        resp = await page.goto(base + path)
        assert resp.status == 200, path
        # The name is shown (servers may shorten it), as text.
        await expect(page.locator("main").get_by_text("W" * 40).first).to_be_visible()
        # Open every content warning and hover over everything, so that hidden parts render too.
        for summary in await page.locator("main summary").all():
            if await summary.is_visible():
                await summary.click()
        await page.mouse.move(viewport["width"] / 2, viewport["height"] / 2)
        bad = await page.evaluate(DOM_AUDIT)
        assert not bad, f"{path}: {bad}"
        size = await overflow(page)
        assert size["scroll"] <= size["inner"], f"{path} overflows: {size}"
        body_visible = await page.locator("body").is_visible()
        assert body_visible, f"{path}: the post's <style> hid the page"

    # The javascript: links, shown as text or as harmless links, lead nowhere when clicked.
    await page.goto(f"{base}/home")
    await expect(page.get_by_text("behind the warning")).to_be_hidden()  # until the warning is opened
    for summary in await page.locator("main summary").all():
        await summary.click()
    await expect(page.get_by_text("behind the warning")).to_be_visible()
    for name in ("a javascript link", "a disguised one", "a data link"):
        for link in await page.get_by_role("link", name=name).all():
            await link.click(no_wait_after=True)
            await page.goto(f"{base}/home")
    await page.wait_for_timeout(300)

    assert not [m for m in watch.console if MARK in m], watch.console
    watch.assert_quiet()
