"""The main pages fit a phone-sized and a desktop-sized window: nothing sticks out sideways,
even with long words, long links, content warnings and replies on them. On the way, each page
is checked for what assistive technology needs (named fields and buttons, alt attributes, one
h1) and for text nobody can read. (Measured with JavaScript on, as most visitors have it.)"""

from __future__ import annotations

import pytest

from fedi.services import follows, identity_links, profile, remote
from tests.browser.helpers import DESKTOP, MODULE_MARKS, PAGE_AUDIT, PHONE, Watch, overflow, sign_in

pytestmark = MODULE_MARKS
expect = pytest.importorskip("playwright.async_api", reason="Playwright for Python is not installed").expect

LONG_LINK = "https://example.com/" + "very-long-path-segment/" * 12 + "?q=" + "x" * 120
LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänswitwe" * 4
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


async def api(inst, path: str, token: str, body: dict):
    async with inst.session.post(inst.base + path, json=body,
                                 headers={"Authorization": f"Bearer {token}"}) as resp:
        doc = await resp.json(content_type=None)
        assert resp.status == 200, doc
        return doc


async def measure(page, url: str) -> list[str]:
    """[] when the page at `url` fits the window and is labelled, else what is wrong."""
    resp = await page.goto(url)
    path = "/" + url.split("/", 3)[-1]
    if resp is None or resp.status != 200:
        return [f"{path}: HTTP {resp and resp.status}"]
    problems = [f"{path}: {problem}" for problem in await page.evaluate(PAGE_AUDIT)]
    size = await overflow(page)
    if size["scroll"] > size["inner"]:
        problems.append(f"{path}: {size['scroll']}px wide in a {size['inner']}px window; "
                        f"sticking out: {size['widest']}")
    return problems


@VIEWPORTS
async def test_main_pages_fit_the_window(fed, contexts, viewport):
    personal = await fed.start("personal.test", run_workers=True)
    pro = await fed.start("pro.test", "professional", run_workers=True)
    alice = await personal.user("alice")
    carol = await personal.user("carol")
    await pro.user("bob")
    # Something to show: carol follows alice (a notification, so a count in the menu), and
    # alice asks bob on pro.test to connect (a pending request on his profile).
    await follows.follow(personal.state, carol, alice)
    await follows.follow(personal.state, alice, await remote.account_by_uri(personal.state, pro.actor("bob")))
    token = await personal.token("alice")
    first = await api(personal, "/api/v1/statuses", token,
                      {"status": f"A long link {LONG_LINK} and a long word {LONG_WORD} #layout"})
    await api(personal, "/api/v1/statuses", token,
              {"status": "What is under the warning", "spoiler_text": "A content warning " + LONG_WORD})
    await api(personal, "/api/v1/statuses", token,
              {"status": "A reply " + LONG_WORD, "in_reply_to_id": first["id"]})

    ctx = await contexts(viewport=viewport, java_script_enabled=True)
    page = await ctx.new_page()
    watch = Watch(page)
    base = personal.base
    thread = f"/@alice/{first['id']}"
    failures = []
    for path in ("/", "/auth/sign_in", "/auth/sign_up", "/@alice", thread, "/tags/layout", "/local"):
        failures += await measure(page, base + path)

    await sign_in(page, base, "alice", "password123")  # the harness's password
    for path in ("/home", "/local", "/federated", "/compose", f"/compose?in_reply_to={first['id']}",
                 "/notifications", "/follow_requests", "/bookmarks", "/search", f"/search?q=%40bob%40{pro.domain}",
                 "/follow", f"/@bob@{pro.domain}", thread, "/@alice", "/settings/profile", "/settings/password",
                 "/settings/apps", "/settings/import"):
        failures += await measure(page, base + path)
    watch.assert_quiet()
    assert not failures, "\n".join(failures)


@VIEWPORTS
async def test_professional_pages_fit_the_window(fed, contexts, viewport):
    """The professional profile (its editor, a full profile, the same account seen from a
    personal instance), linked accounts, connections and connection requests."""
    personal = await fed.start("personal.test", run_workers=True)
    pro = await fed.start("pro.test", "professional", run_workers=True)
    alice = await personal.user("alice")
    bob = await pro.user("bob")
    carol = await pro.user("carol")
    await profile.update_profile(pro.state, bob, professional_parts={
        "headline": "A headline with a long word " + LONG_WORD[:120],
        "position": "Principal " + LONG_WORD[:80], "organization": LONG_WORD[:90], "location": "Lyon",
        "skills": [LONG_WORD[:55], "Python", "Distributed systems", "Mentoring"] * 3,
        "experience": [{"role": "Principal engineer", "organization": LONG_WORD[:100], "start": "2020-01",
                        "description": f"Wrote {LONG_LINK} and {LONG_WORD}"}],
        "education": [{"school": LONG_WORD[:140], "degree": "MSc", "start_year": 2010, "end_year": 2012}]},
        fields=[{"name": "Site", "value": LONG_LINK[:300]}])
    await identity_links.link(pro.state, bob, f"alice@{personal.domain}")
    await follows.follow(pro.state, carol, bob)
    await follows.follow(personal.state, alice, await remote.account_by_uri(personal.state, pro.actor("bob")),
                         note="A note " + LONG_WORD)
    await fed.settle()

    ctx = await contexts(viewport=viewport, java_script_enabled=True)
    page = await ctx.new_page()
    watch = Watch(page)
    failures = await measure(page, pro.base + "/@bob")
    await sign_in(page, pro.base, "bob", "password123")
    for path in ("/@bob", "/settings/professional", "/settings/links", "/connections", "/follow_requests",
                 "/notifications", f"/@alice@{personal.domain}"):
        failures += await measure(page, pro.base + path)
    other = await (await contexts(viewport=viewport, java_script_enabled=True)).new_page()
    await sign_in(other, personal.base, "alice", "password123")
    failures += await measure(other, personal.base + f"/@bob@{pro.domain}")
    watch.assert_quiet()
    assert not failures, "\n".join(failures)


@VIEWPORTS
async def test_admin_pages_fit_the_window(fed, contexts, viewport):
    personal = await fed.start("personal.test")
    await personal.user("root_admin", admin=True)
    await personal.user("alice")
    ctx = await contexts(viewport=viewport, java_script_enabled=True)
    page = await ctx.new_page()
    watch = Watch(page)
    await sign_in(page, personal.base, "root_admin", "password123")
    resp = await page.goto(personal.base + "/admin")
    if resp.status == 404:
        pytest.xfail("page not built yet: /admin")
    failures = await measure(page, personal.base + "/admin")
    # Every admin page linked from the dashboard.
    links = await page.locator("main a[href^='/admin']").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    for href in sorted(set(links) - {"/admin"}):
        failures += await measure(page, personal.base + href)
    watch.assert_quiet()
    assert not failures, "\n".join(failures)


async def test_keyboard_reaches_the_content_with_a_visible_focus(fed, contexts):
    personal = await fed.start("personal.test")
    await personal.user("alice")
    token = await personal.token("alice")
    await api(personal, "/api/v1/statuses", token, {"status": "Something to like"})
    ctx = await contexts(viewport=PHONE, java_script_enabled=False)
    page = await ctx.new_page()
    await sign_in(page, personal.base, "alice", "password123")
    await page.goto(personal.base + "/home")

    # The first Tab shows the skip link; following it puts the content next in line.
    await page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert await focused.inner_text() == "Skip to content"
    box = await focused.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off screen: {box}"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
    for _ in range(40):  # Tab on to the Like button of the post, through whatever comes first
        await page.keyboard.press("Tab")
        if (await focused.inner_text()).strip() == "Like":
            break
    else:
        raise AssertionError("the Like button cannot be reached with Tab")
    outline = await focused.evaluate("el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth")
    assert not outline.startswith("none") and not outline.endswith(" 0px"), f"no visible focus: {outline}"


# The rows the header's visible controls sit on (their distinct tops, to the pixel).
HEADER_ROWS = """() => {
  const tops = new Set();
  for (const el of document.querySelectorAll('header.site nav a, header.site nav summary, header.site nav button')) {
    if (el.closest('details.more > div')) continue;  // inside the closed menu
    const box = el.getBoundingClientRect();
    if (box.width && box.height) tops.add(Math.round(box.top + box.height / 2));
  }
  return [...tops].sort((a, b) => a - b);
}"""


def rows(centres: list[int]) -> int:
    """How many text rows these vertical centres make (items of one row differ by a few px)."""
    count, last = 0, None
    for centre in centres:
        if last is None or centre - last > 12:
            count += 1
        last = centre
    return count


@VIEWPORTS
async def test_header_takes_at_most_two_rows_on_a_phone_and_one_on_a_desktop(fed, contexts, viewport):
    pro = await fed.start("pro.test", "professional")
    await pro.user("administrator", admin=True)
    carol = await pro.user("carol")
    # a waiting connection request and unread notifications: the longest the header gets
    await follows.follow(pro.state, carol, await pro.state.store.accounts.by_handle("administrator", None))
    ctx = await contexts(viewport=viewport, java_script_enabled=False)
    page = await ctx.new_page()
    await sign_in(page, pro.base, "administrator", "password123")
    await page.goto(pro.base + "/home")
    nav = page.get_by_role("navigation", name="Main")
    found = rows(await page.evaluate(HEADER_ROWS))
    assert found <= (2 if viewport is PHONE else 1), f"the header takes {found} rows"
    await expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    for name in ("Home", "Notifications", "Search", "New post"):
        await expect(nav.get_by_role("link", name=name)).to_be_visible()

    # Local, Federated and the requests: in the bar on a desktop, in the menu on a phone
    bar, menu = nav.locator(".links"), nav.locator("details.more")
    where = menu if viewport is PHONE else bar
    elsewhere = bar if viewport is PHONE else menu
    await nav.get_by_text("@administrator", exact=True).click()
    for name in ("Local", "Federated", "Connection requests"):
        await expect(where.get_by_role("link", name=name)).to_be_visible()
        await expect(elsewhere.get_by_role("link", name=name)).to_have_count(0)
    await expect(menu.get_by_role("link", name="Admin")).to_be_visible()
    await where.get_by_role("link", name="Connection requests").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Connection requests")


@VIEWPORTS
async def test_replies_nest_by_depth_and_the_indent_stops_growing(fed, contexts, viewport):
    personal = await fed.start("personal.test")
    await personal.user("alice")
    await personal.user("bob")
    tokens = {name: await personal.token(name) for name in ("alice", "bob")}
    root = await api(personal, "/api/v1/statuses", tokens["alice"], {"status": "Level 0"})
    chain, parent = [], root
    for depth in range(1, 11):  # ten replies, each answering the last, taking turns
        author = "bob" if depth % 2 else "alice"
        other = "alice" if author == "bob" else "bob"
        parent = await api(personal, "/api/v1/statuses", tokens[author],
                           {"status": f"@{other} Level {depth}", "in_reply_to_id": parent["id"]})
        chain.append(parent)
    ctx = await contexts(viewport=viewport, java_script_enabled=False)
    page = await ctx.new_page()
    await page.goto(f"{personal.base}/@alice/{root['id']}")
    lefts = [await page.locator(f"#s-{s['id']}").evaluate("el => el.getBoundingClientRect().left")
             for s in chain]
    indented = sum(1 for a, b in zip(lefts, lefts[1:]) if b > a + 1)
    # levels 1-4 indented on a phone (three steps), 1-8 on a desktop; deeper ones line up
    assert indented == (3 if viewport is PHONE else 7), lefts
    assert lefts[-1] == lefts[-2]
    # each names whom it answers, with a link to the post it answers
    for depth, (above, reply) in enumerate(zip([root, *chain], chain), start=1):
        card = page.locator(f"#s-{reply['id']}")
        link = card.get_by_role("link", name="@bob" if depth % 2 == 0 else "@alice", exact=True).first
        await expect(card.get_by_text("In reply to")).to_be_visible()
        assert (await card.locator("p.marker a").get_attribute("href")).endswith(f"/{above['id']}")
        await expect(link).to_be_visible()
    size = await overflow(page)
    assert size["scroll"] <= size["inner"], size


async def test_buttons_of_different_posts_and_people_have_different_names(fed, contexts):
    personal = await fed.start("personal.test")
    await personal.user("alice")
    await personal.user("bob")
    await personal.user("carol")
    for name in ("bob", "carol"):
        await api(personal, "/api/v1/statuses", await personal.token(name), {"status": f"Hello from {name}"})
    ctx = await contexts(java_script_enabled=False)
    page = await ctx.new_page()
    await sign_in(page, personal.base, "alice", "password123")
    await page.goto(personal.base + "/local")
    main = page.locator("main")
    for name in ("bob", "carol"):
        card = main.locator("article").filter(has_text=f"Hello from {name}")
        for action in ("Like", "Boost", "Bookmark"):
            button = card.get_by_role("button", name=f"{action} post by @{name}", exact=True)
            await expect(button).to_have_text(action)
        await expect(card.get_by_role("link", name=f"Reply to post by @{name}", exact=True)).to_have_text("Reply")
    await expect(main.get_by_role("button", name="Like", exact=True)).to_have_count(0)

    await personal.user("carmen")
    await page.goto(personal.base + "/search?q=car")  # carol and carmen
    for name in ("carol", "carmen"):
        await expect(main.get_by_role("button", name=f"Follow @{name}", exact=True)).to_have_text("Follow")
    await main.get_by_role("button", name="Follow @carol", exact=True).click()
    await page.goto(personal.base + "/@carol")
    await expect(main.get_by_role("button", name="Unfollow @carol", exact=True)).to_be_visible()
