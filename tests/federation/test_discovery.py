"""WebFinger, host-meta, NodeInfo and content negotiation, over real HTTP."""

import xml.etree.ElementTree as ET
from urllib.parse import quote

from fedi import __version__
from fedi.activitypub.vocab import AS_CONTEXT, PUBLIC
from fedi.appkeys import DEREF

SELF = "self"
PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
XRD_NS = "{http://docs.oasis-open.org/ns/xri/xrd-1.0}"
NODEINFO_20 = "http://nodeinfo.diaspora.software/ns/schema/2.0"
NODEINFO_21 = "http://nodeinfo.diaspora.software/ns/schema/2.1"


async def _get(inst, path, headers=None, **kw):
    async with inst.session.get(inst.base + path, headers=headers or {}, **kw) as resp:
        return resp.status, resp.headers, await resp.read()


async def _webfinger(inst, resource):
    async with inst.session.get(f"{inst.base}/.well-known/webfinger",
                                params={"resource": resource} if resource is not None else None) as resp:
        return resp.status, resp.headers, await resp.json(content_type=None)


def _link(doc, rel):
    found = [link for link in doc["links"] if link.get("rel") == rel]
    assert len(found) == 1, doc
    return found[0]


# --------------------------------------------------------------------------- WebFinger


async def test_webfinger_acct_resource(fed):
    personal = await fed.start("personal.test", "personal")
    await personal.user("alice")

    status, headers, doc = await _webfinger(personal, f"acct:alice@{personal.domain}")

    assert status == 200
    assert headers["Content-Type"].split(";")[0] == "application/jrd+json"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert ":" in personal.domain  # host:port, as the instance's own domain
    assert doc["subject"] == f"acct:alice@{personal.domain}"
    me = _link(doc, SELF)
    assert me["type"] == "application/activity+json"
    assert me["href"] == f"{personal.base}/users/alice"
    page = _link(doc, PROFILE_PAGE)
    assert page["type"] == "text/html" and page["href"] == f"{personal.base}/@alice"
    # The profile page link really is the HTML profile.
    status, headers, _ = await _get(personal, "/@alice")
    assert status == 200 and headers["Content-Type"].startswith("text/html")


async def test_webfinger_actor_url_resource_matches_acct(fed):
    personal = await fed.start("personal.test", "personal")
    await personal.user("alice")

    _, _, by_acct = await _webfinger(personal, f"acct:alice@{personal.domain}")
    status, headers, by_url = await _webfinger(personal, personal.actor("alice"))

    assert status == 200
    assert headers["Content-Type"].split(";")[0] == "application/jrd+json"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert by_url == by_acct
    status, _, by_profile = await _webfinger(personal, f"{personal.base}/@alice")
    assert status == 200 and by_profile == by_acct
    # The resource may also be sent percent-encoded by hand, as some clients do.
    async with personal.session.get(
            f"{personal.base}/.well-known/webfinger?resource={quote(f'acct:alice@{personal.domain}', safe='')}"
    ) as resp:
        assert resp.status == 200
        assert (await resp.json(content_type=None))["subject"] == by_acct["subject"]


async def test_webfinger_rejects_missing_and_malformed_resources(fed):
    personal = await fed.start("personal.test", "personal")
    await personal.user("alice")

    for resource in (None, "", "acct:nobody", "acct:@" + personal.domain, "foo", "acct:alice@"):
        status, headers, doc = await _webfinger(personal, resource)
        assert status == 400, (resource, status, doc)
        assert headers["Access-Control-Allow-Origin"] == "*"
        assert "error" in doc


async def test_webfinger_unknown_user_or_foreign_domain_is_404(fed):
    personal = await fed.start("personal.test", "personal")
    pro = await fed.start("pro.test", "professional")
    await personal.user("alice")
    await pro.user("bob")

    for resource in (
        f"acct:nobody@{personal.domain}",          # no such user here
        f"acct:alice@{pro.domain}",                # a domain this server is not
        f"acct:bob@{pro.domain}",                  # a real user, but of another server
        "acct:alice@personal.test",                # the host without the port is another authority
        pro.actor("bob"),                          # another server's actor URL
        f"{personal.base}/users/nobody",
        f"http://personal.test:{personal.server.port % 65535 + 1}/@alice",  # another port: another authority
    ):
        status, headers, doc = await _webfinger(personal, resource)
        assert status == 404, (resource, status, doc)
        assert headers["Access-Control-Allow-Origin"] == "*"
    # A URL that cannot be parsed at all (a port past 65535, unbalanced brackets) is malformed.
    for resource in (f"{personal.base}0/@alice" if personal.server.port > 6553 else "http://x:99999/@a",
                     f"{personal.base}.evil.test/@alice",  # our base URL as a prefix: its "port" is no number
                     "http://[::1/@alice"):
        status, _, doc = await _webfinger(personal, resource)
        assert status == 400, (resource, status, doc)


async def test_webfinger_round_trip_actor_to_acct_to_actor(fed):
    personal = await fed.start("personal.test", "personal")
    pro = await fed.start("pro.test", "professional")
    await pro.user("bob")
    actor = pro.actor("bob")

    # Like test tools do: fetch the actor, build acct: from preferredUsername and the
    # actor's host, WebFinger that, and get the very same actor back.
    status, doc = await personal.get_json(actor)
    assert status == 200
    acct = f"acct:{doc['preferredUsername']}@{pro.domain}"
    status, _, jrd = await _webfinger(pro, acct)
    assert status == 200
    assert jrd["subject"] == acct
    assert _link(jrd, SELF)["href"] == actor
    status, _, again = await _webfinger(pro, _link(jrd, SELF)["href"])
    assert status == 200 and again["subject"] == acct

    # And another fedi server resolves the handle to the same actor over HTTP.
    assert await personal.app[DEREF].webfinger("bob", pro.domain) == actor


async def test_webfinger_instance_actor(fed):
    personal = await fed.start("personal.test", "personal")
    instance_actor = f"{personal.base}/actor"

    for resource in (f"acct:{personal.domain}@{personal.domain}", instance_actor):
        status, _, doc = await _webfinger(personal, resource)
        assert status == 200, resource
        assert doc["subject"] == f"acct:{personal.domain}@{personal.domain}"
        assert _link(doc, SELF) == {"rel": "self", "type": "application/activity+json", "href": instance_actor}
    status, actor = await personal.get_json(instance_actor)
    assert status == 200 and actor["type"] == "Application"


# --------------------------------------------------------------------------- host-meta


async def test_host_meta_xrd_by_default(fed):
    personal = await fed.start("personal.test", "personal")

    status, headers, body = await _get(personal, "/.well-known/host-meta")

    assert status == 200
    assert headers["Content-Type"].split(";")[0] == "application/xrd+xml"
    assert headers["Access-Control-Allow-Origin"] == "*"
    root = ET.fromstring(body)
    assert root.tag == f"{XRD_NS}XRD"
    links = root.findall(f"{XRD_NS}Link")
    assert [(link.get("rel"), link.get("template")) for link in links] == [
        ("lrdd", f"{personal.base}/.well-known/webfinger?resource={{uri}}")
    ]


async def test_host_meta_json(fed):
    personal = await fed.start("personal.test", "personal")
    await personal.user("alice")
    expected = {"links": [{"rel": "lrdd", "template": f"{personal.base}/.well-known/webfinger?resource={{uri}}"}]}

    for path, headers in (("/.well-known/host-meta.json", {}),
                          ("/.well-known/host-meta", {"Accept": "application/json"})):
        async with personal.session.get(personal.base + path, headers=headers) as resp:
            assert resp.status == 200, path
            assert resp.headers["Content-Type"].split(";")[0] == "application/json"
            assert resp.headers["Access-Control-Allow-Origin"] == "*"
            doc = await resp.json()
        assert doc == expected

    # The template leads to a working WebFinger lookup.
    template = expected["links"][0]["template"]
    async with personal.session.get(template.replace("{uri}", quote(f"acct:alice@{personal.domain}"))) as resp:
        assert resp.status == 200
        assert (await resp.json(content_type=None))["subject"] == f"acct:alice@{personal.domain}"


# --------------------------------------------------------------------------- NodeInfo


async def _post_as(inst, username, content, to):
    status, body, location = await inst.post_outbox(
        username, await inst.token(username), {"type": "Note", "content": content, "to": to})
    assert status == 201, body
    return location


async def _nodeinfo_docs(inst):
    async with inst.session.get(inst.base + "/.well-known/nodeinfo") as resp:
        assert resp.status == 200
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
        index = await resp.json(content_type=None)
    links = {link["rel"]: link["href"] for link in index["links"]}
    assert links == {NODEINFO_20: f"{inst.base}/nodeinfo/2.0", NODEINFO_21: f"{inst.base}/nodeinfo/2.1"}
    docs = {}
    for rel, href in links.items():
        version = rel.rsplit("/", 1)[1]
        async with inst.session.get(href) as resp:
            assert resp.status == 200, href
            assert resp.headers["Content-Type"].startswith("application/json")
            assert f'profile="{rel}#"' in resp.headers["Content-Type"]
            docs[version] = await resp.json(content_type=None)
    return docs


async def test_nodeinfo_documents(fed):
    personal = await fed.start("personal.test", "personal")
    pro = await fed.start("pro.test", "professional")
    await personal.user("alice")
    await personal.user("carol")
    await pro.user("bob")
    await _post_as(personal, "alice", "hello world", [PUBLIC])
    await _post_as(personal, "alice", "for my followers", [personal.actor("alice") + "/followers"])
    await _post_as(personal, "carol", "hi", [PUBLIC])
    await fed.settle()

    for inst, kind, users, posts in ((personal, "personal", 2, 3), (pro, "professional", 1, 0)):
        docs = await _nodeinfo_docs(inst)
        assert set(docs) == {"2.0", "2.1"}
        for version, doc in docs.items():
            assert doc["version"] == version
            assert doc["software"]["name"] == "fedi"
            assert doc["software"]["version"] == __version__ and doc["software"]["version"]
            assert doc["protocols"] == ["activitypub"]
            assert doc["usage"]["users"]["total"] == users
            assert 0 <= doc["usage"]["users"]["activeMonth"] <= users
            assert 0 <= doc["usage"]["users"]["activeHalfyear"] <= users
            assert doc["usage"]["localPosts"] == posts
            assert doc["openRegistrations"] is True
            assert doc["metadata"]["kind"] == kind
            assert doc["metadata"]["nodeName"] == inst.name
            assert doc["metadata"]["upstream"]["name"] == "mastodon"
            assert doc["services"] == {"inbound": [], "outbound": []}
        assert "homepage" not in docs["2.0"]["software"]  # 2.0's schema has no homepage

    async with personal.session.get(personal.base + "/nodeinfo/9.9") as resp:
        assert resp.status == 404


# --------------------------------------------------------------------------- content negotiation


async def test_actor_content_negotiation(fed):
    personal = await fed.start("personal.test", "personal")
    await personal.user("alice")
    url = personal.actor("alice")

    for accept in ("application/activity+json",
                   'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'):
        async with personal.session.get(url, headers={"Accept": accept}) as resp:
            assert resp.status == 200, accept
            assert resp.headers["Content-Type"].split(";")[0] == "application/activity+json"
            assert "Accept" in resp.headers.get("Vary", "")
            doc = await resp.json(content_type=None)
        assert doc["id"] == url and doc["type"] == "Person"
        assert AS_CONTEXT in doc["@context"]

    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for headers, skip in (({"Accept": "text/html"}, ()), ({"Accept": browser}, ()), ({}, ("Accept",))):
        async with personal.session.get(url, headers=headers, skip_auto_headers=skip) as resp:
            assert resp.status == 200, headers
            assert resp.headers["Content-Type"].split(";")[0] == "text/html"
            page = await resp.text()
        assert "alice" in page
        assert not page.lstrip().startswith("{")
