"""Verified profile links: a field linking to a page that links back with rel="me"."""

from datetime import datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer, unused_port

from fedi.models import Account
from fedi.services.link_verification import (
    FIRST_SIGHT_DELAY, carry_over, field_link, links_back, remote_check_delay,
)
from tests.api.conftest import call, client


@pytest.fixture
async def site():
    """A small web site on links.test: `pages` maps a path to its HTML."""
    pages: dict[str, str] = {}

    async def page(request):
        if request.path == "/moved":
            raise web.HTTPFound("/home")
        html = pages.get(request.path)
        if html is None:
            raise web.HTTPNotFound()
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/{path:.*}", page)
    port = unused_port()
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        yield f"http://links.test:{port}", pages
    finally:
        await server.close()


def page_linking(href: str, rel: str = "me") -> str:
    return (f'<!doctype html><html><head><title>Home</title></head><body>'
            f'<p>Find me <a href="{href}" rel="{rel}">elsewhere</a>.</p></body></html>')


async def test_local_field_verified_and_cleared_when_changed(fed, site):
    base, pages = site
    inst = await fed.start("personal.test")
    await inst.user("alice")
    pages["/home"] = page_linking(f"{inst.base}/@alice/")  # trailing slash does not matter
    pages["/other"] = page_linking(f"{inst.base}/@alice", rel="nofollow")
    api = client(inst, await inst.token("alice"))

    updated = await call(api.account_update_credentials,
                         fields=[("Home", f"{base}/home"), ("Other", f"{base}/other"),
                                 ("Pronouns", "she/her")])
    assert [f["verified_at"] for f in updated["fields"]] == [None, None, None]
    await fed.settle()

    me = await call(api.account_verify_credentials)
    home, other, pronouns = me["fields"]
    assert home["verified_at"] is not None and other["verified_at"] is None
    assert pronouns["verified_at"] is None
    first_verified = datetime.fromisoformat(home["verified_at"].replace("Z", "+00:00"))
    assert first_verified.year >= 2024
    assert me["source"]["fields"][0]["verified_at"] == home["verified_at"]
    public = await call(client(inst).account, me["id"])
    assert public["fields"][0]["verified_at"] == home["verified_at"]

    # The profile page marks the verified field, and its own links say rel="me".
    async with inst.session.get(f"{inst.base}/@alice") as resp:
        assert resp.status == 200
        page = await resp.text()
    assert page.count('class="verified"') == 1
    verified_dd = page[page.index('class="verified"'):]
    assert verified_dd[:verified_dd.index("</dd>")].count(f"{base}/home") >= 1
    assert f'href="{base}/other" rel="me nofollow noopener noreferrer"' in page

    # Unchanged fields keep their verification; saving checks the unverified links again.
    pages["/other"] = page_linking(f"{inst.base}/@alice")
    again = await call(api.account_update_credentials,
                       fields=[("Home", f"{base}/home"), ("Other", f"{base}/other"),
                               ("Pronouns", "they/them")])
    assert again["fields"][0]["verified_at"] == home["verified_at"]
    assert again["fields"][1]["verified_at"] is None
    await fed.settle()
    me = await call(api.account_verify_credentials)
    assert me["fields"][0]["verified_at"] == home["verified_at"]
    other_verified = me["fields"][1]["verified_at"]
    assert other_verified is not None

    # A changed value loses it, and the new page is checked afresh; the unchanged one keeps its mark.
    pages["/third"] = page_linking("https://elsewhere.test/@alice")
    changed = await call(api.account_update_credentials,
                         fields=[("Home", f"{base}/third"), ("Other", f"{base}/other")])
    assert [f["verified_at"] for f in changed["fields"]] == [None, other_verified]
    await fed.settle()
    me = await call(api.account_verify_credentials)
    assert [f["verified_at"] for f in me["fields"]] == [None, other_verified]
    async with inst.session.get(f"{inst.base}/@alice") as resp:
        page = await resp.text()
    assert page.count('class="verified"') == 1
    verified_dd = page[page.index('class="verified"'):]
    assert f"{base}/other" in verified_dd[:verified_dd.index("</dd>")]

    # A redirect to a page linking back verifies; the actor URI counts as well as the profile URL.
    pages["/home"] = page_linking(inst.actor("alice"))
    await call(api.account_update_credentials, fields=[("Home", f"{base}/moved")])
    await fed.settle()
    me = await call(api.account_verify_credentials)
    assert me["fields"][0]["verified_at"] is not None


async def test_remote_account_fields_verified_after_update(fed, site):
    base, pages = site
    personal = await fed.start("personal.test", "personal")
    pro = await fed.start("pro.test", "professional")
    await personal.user("alice")
    await pro.user("bob")
    alice = client(personal, await personal.token("alice"))
    bob = client(pro, await pro.token("bob"))
    status, body, follow_id = await personal.post_outbox(
        "alice", await personal.token("alice"), {"type": "Follow", "object": pro.actor("bob")})
    assert status == 201, body
    await fed.settle()
    status, body, _ = await pro.post_outbox("bob", await pro.token("bob"),
                                            {"type": "Accept", "object": follow_id})
    assert status == 201, body
    await fed.settle()

    pages["/bob"] = page_linking(f"{pro.base}/@bob")
    pages["/nope"] = page_linking(f"{personal.base}/@alice")  # links back to someone else
    await call(bob.account_update_credentials,
               fields=[("Site", f"{base}/bob"), ("Blog", f"{base}/nope")])
    await fed.settle()

    own = await call(bob.account_verify_credentials)
    assert own["fields"][0]["verified_at"] is not None and own["fields"][1]["verified_at"] is None
    found = await call(alice.account_lookup, f"bob@{pro.domain}")
    assert [f["name"] for f in found["fields"]] == ["Site", "Blog"]
    assert found["fields"][0]["verified_at"] is not None
    assert found["fields"][1]["verified_at"] is None
    copy = await personal.state.store.accounts.by_uri(pro.actor("bob"))
    assert copy.fields[0].get("verified_at") and not copy.fields[1].get("verified_at")
    async with personal.session.get(f"{personal.base}/@bob@{pro.domain}") as resp:
        assert resp.status == 200
        assert (await resp.text()).count('class="verified"') == 1

    # The remote copy loses the mark when bob changes the field to an unverifiable link.
    await call(bob.account_update_credentials, fields=[("Site", f"{base}/nope")])
    await fed.settle()
    found = await call(alice.account_lookup, f"bob@{pro.domain}")
    assert [(f["name"], f["verified_at"]) for f in found["fields"]] == [("Site", None)]


def test_field_links_and_rel_me_parsing():
    assert field_link('<a href="https://a.example/x" rel="nofollow">a.example/x</a>') == "https://a.example/x"
    assert field_link("https://a.example/x") == "https://a.example/x"
    assert field_link('see <a href="https://a.example/">here</a>') is None
    assert field_link('<a href="https://a.example/">a</a> <a href="https://b.example/">b</a>') is None
    assert field_link('<a href="mailto:a@a.example">mail</a>') is None
    assert field_link("she/her") is None
    me = ["https://fedi.example/@alice", "https://fedi.example/users/alice"]
    assert links_back('<link rel="me authn" href="HTTPS://Fedi.Example/@alice/">', "https://a.example/", me)
    assert links_back('<a rel="Me" href="https://fedi.example/users/alice">x</a>', "https://a.example/", me)
    assert not links_back('<a rel="me" href="https://fedi.example/@alicex">x</a>', "https://a.example/", me)
    assert not links_back('<a href="https://fedi.example/@alice">x</a>', "https://a.example/", me)
    assert links_back('<a rel="me" href="/@alice">x</a>', "https://fedi.example/about", me)
    old = [{"name": "Home", "value": "v", "verified_at": 1.0},
           {"name": "Blog", "value": "w", "verified_at": 2.0}]
    assert carry_over(old, [{"name": "Home", "value": "v"}, {"name": "Blog", "value": "changed"}]) == [
        {"name": "Home", "value": "v", "verified_at": 1.0}, {"name": "Blog", "value": "changed"}]


def test_when_remote_links_are_checked():
    link = '<a href="https://a.example/" rel="nofollow noopener noreferrer">a.example</a>'

    def actor(fields):
        return Account(id="1", uri="https://peer.example/users/zed", username="zed", domain="peer.example",
                       fields=fields)

    first = actor([{"name": "Site", "value": link}])
    assert remote_check_delay(None, first) >= FIRST_SIGHT_DELAY  # first sight: a little later
    assert remote_check_delay(None, actor([{"name": "Pronouns", "value": "he/him"}])) is None
    verified = actor([{"name": "Site", "value": link, "verified_at": 5.0}])
    same = actor([{"name": "Site", "value": link}])
    assert remote_check_delay(verified, same) is None and same.fields[0]["verified_at"] == 5.0
    changed = actor([{"name": "Site", "value": link.replace("a.example", "b.example")}])
    assert remote_check_delay(verified, changed) == 0.0 and "verified_at" not in changed.fields[0]
