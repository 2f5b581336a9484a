"""A page costs a fixed number of SQL statements whatever is on it: every list the client API
and the web pages serve is read over HTTP with 2 items and with 20, and the statements the
request made are counted. A page of 20 may add the few lookups only some items need (a
boost's post, a poll's votes), never one per item."""

from __future__ import annotations

import contextlib

import pytest

from fedi.services import follows, lists, personal, polls, statuses
from tests.api.conftest import req
from tests.web.browser import Browser

# How many more statements a page of 20 may make than a page of 2.
SLACK = 3
AUTHORS = 8


@contextlib.contextmanager
def counting(store):
    """Count the reads the store makes (every read goes through one of these four)."""
    db = store.database
    seen = []
    for kind in ("fetchone", "fetchkeyed", "aggregate", "fetchall"):
        original = getattr(db, kind)

        async def counted(sql, params=(), _original=original):
            seen.append(sql)
            return await _original(sql, params)

        setattr(db, kind, counted)
    try:
        yield seen
    finally:
        for kind in ("fetchone", "fetchkeyed", "aggregate", "fetchall"):
            delattr(db, kind)


async def populate(inst, alice, authors, rounds: int, own) -> list:
    """Each author, in turn: mentions, replies, boosts, polls, direct messages, hashtag posts,
    and a favourite of alice's own post; alice favourites and bookmarks what she can."""
    state, made = inst.state, []
    for round_ in range(rounds):
        for n, author in enumerate(authors):
            kind = (round_ * len(authors) + n) % 6
            if kind == 0:
                st = await statuses.create(state, author, f"@alice hello {round_} #fedi")
            elif kind == 1:
                st = await statuses.create(state, author, f"a reply {round_}", in_reply_to=made[-1] if made else own)
            elif kind == 2 and made:
                st = await statuses.reblog(state, author, own)
            elif kind == 3:
                st = await statuses.create(state, author, f"vote {round_}", poll=polls.validated(["yes", "no"], 3600))
            elif kind == 4:
                st = await statuses.create(state, author, f"@alice just for you {round_}", visibility="direct")
            else:
                st = await statuses.create(state, author, f"#fedi news {round_}")
            made.append(st)
            if round_ == 0:
                await statuses.favourite(state, author, own)
    for st in made:
        if not st.reblog_of_id and st.visibility != "direct":
            await statuses.favourite(state, alice, st)
            await personal.bookmark(state, alice, st)
    return made


async def start_busy(fed, name: str = "busy.test"):
    inst = await fed.start(name)
    state = inst.state
    alice = await inst.user("alice")
    authors = [await inst.user(f"author{n}") for n in range(AUTHORS)]
    for author in authors:
        await follows.follow(state, alice, author)
        await follows.follow(state, author, alice)
    own = await statuses.create(state, alice, "alice's own post #fedi")
    close = await lists.create(state, alice, title="Close")
    await lists.add(state, alice, close["id"], [a.id for a in authors[:4]])
    inst.extra = {"list": close["id"], "author": authors[1].id, "alice": alice.id}
    return inst, alice, authors, own


@pytest.fixture
async def busy(fed):
    """An instance where alice follows several authors who post, reply, boost, mention her,
    run polls and write to her directly; she bookmarks, favourites and keeps a list."""
    inst, alice, authors, own = await start_busy(fed)
    await populate(inst, alice, authors, 4, own)
    return inst


API_LISTS = [
    "/api/v1/timelines/home?limit={n}",
    "/api/v1/timelines/public?limit={n}",
    "/api/v1/timelines/public?local=true&limit={n}",
    "/api/v1/timelines/tag/fedi?limit={n}",
    "/api/v1/timelines/list/{list}?limit={n}",
    "/api/v1/notifications?limit={n}",
    "/api/v2/notifications?limit={n}",
    "/api/v1/accounts/{author}/statuses?limit={n}",
    "/api/v1/favourites?limit={n}",
    "/api/v1/bookmarks?limit={n}",
    "/api/v1/conversations?limit={n}",
    "/api/v1/accounts/{alice}/followers?limit={n}",
    "/api/v2/search?q=author&type=accounts&limit={n}",
]


@pytest.mark.parametrize("path", API_LISTS)
async def test_client_api_lists_cost_the_same_whatever_their_length(busy, path):
    token = await busy.token("alice")
    counts = {}
    for n in (2, 20):
        url = path.format(n=n, **busy.extra)
        status, body = await req(busy, "GET", url, token)  # warm caches, check the page
        assert status == 200, (url, body)
        items = body["notification_groups"] if isinstance(body, dict) and "notification_groups" in body \
            else body["accounts"] if isinstance(body, dict) else body
        assert len(items) > (2 if n == 20 else 1), (url, len(items))
        with counting(busy.state.store) as seen:
            status, _ = await req(busy, "GET", url, token)
        counts[n] = len(seen)
    assert counts[20] <= counts[2] + SLACK, (path, counts)


@pytest.mark.parametrize("path", [*API_LISTS[:5], API_LISTS[7]])
async def test_timelines_read_what_decides_visibility_with_the_page_details(busy, path):
    """Blocks either way and follows of the authors of followers-only posts are read in the
    statement that reads the page's counts and flags, not in one of their own."""
    token = await busy.token("alice")
    url = path.format(n=20, **busy.extra)
    with counting(busy.state.store) as seen:
        status, body = await req(busy, "GET", url, token)
    assert status == 200 and body
    details = [sql for sql in seen if "FROM status_counts" in sql]
    assert len(details) == 1 and "FROM blocks" in details[0], seen
    assert not [sql for sql in seen if sql.startswith("SELECT 0, b.*")], seen  # no audience of its own


async def test_a_thread_costs_the_same_whatever_its_length(busy):
    token = await busy.token("alice")
    root = await statuses.create(busy.state, await busy.state.store.accounts.get(busy.extra["author"]), "root")
    counts, parent = {}, root
    for size in (2, 20):
        while len((await req(busy, "GET", f"/api/v1/statuses/{root.id}/context", token))[1]["descendants"]) < size:
            alice = await busy.state.store.accounts.by_handle("alice", None)
            parent = await statuses.create(busy.state, alice, "and another", in_reply_to=parent)
        with counting(busy.state.store) as seen:
            status, body = await req(busy, "GET", f"/api/v1/statuses/{parent.id}/context", token)
        assert status == 200 and len(body["ancestors"]) == size
        counts[size] = len(seen)
    assert counts[20] <= counts[2] + SLACK, counts


WEB_PAGES = ["/home", "/notifications", "/@author1", "/tags/fedi", "/local", "/bookmarks"]


@pytest.mark.parametrize("path", WEB_PAGES)
async def test_web_pages_cost_the_same_whatever_their_length(fed, path):
    """The same page with a few items, then full (the web's pages have a fixed length)."""
    inst, alice, authors, own = await start_busy(fed)
    browser = Browser(inst, fed.resolver)
    counts, shown = [], []
    try:
        await browser.get("/auth/sign_in")
        await browser.post("/auth/sign_in", {"login": "alice", "password": "password123"}, follow=False)
        for rounds in (2, 5):  # a few items (at least one on every page), then a full page
            await populate(inst, alice, authors, rounds, own)
            page = await browser.get(path)
            assert page.status == 200, path
            shown.append(page.text.count('<article class="status') + page.text.count('<li class="notification'))
            with counting(inst.state.store) as seen:
                await browser.get(path)
            counts.append(len(seen))
    finally:
        await browser.close()
    assert 1 <= shown[0] < shown[1], (path, shown)
    assert counts[1] <= counts[0] + SLACK, (path, counts, shown)
