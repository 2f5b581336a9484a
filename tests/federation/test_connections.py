"""Connection requests on a professional instance: a note travels with the Follow (sanitized,
shown to the recipient in the API and on the requests page), a pending requester never gets
nor may fetch followers-only posts, and mutual follows are connections."""


from fedi.activitypub.signatures import sign_request
from fedi.activitypub.vocab import AP_ACCEPT

from tests.web.browser import Browser




async def _signed_get(inst, username, url):
    """GET `url` signed by a local user of the fedi instance `inst`."""
    account = await inst.state.store.accounts.by_handle(username, None)
    user = await inst.state.store.users.get(account.id)
    headers = sign_request("GET", url, {"Accept": AP_ACCEPT}, None, account.public_key_id, user.private_key_pem)
    async with inst.session.get(url, headers=headers) as resp:
        return resp.status


async def _browser(fed, inst, username) -> Browser:
    b = Browser(inst, fed.resolver)
    fed_browsers.append(b)
    page = await b.sign_in(username, "password123")
    assert page.status == 200
    return b


fed_browsers: list = []


async def test_connection_request_with_a_note(fed):
    try:
        await _connection_request_with_a_note(fed)
    finally:
        while fed_browsers:
            await fed_browsers.pop().close()


async def _connection_request_with_a_note(fed):
    personal = await fed.start("personal.test", "personal")
    pro = await fed.start("pro.test", "professional")
    await personal.user("alice")
    await personal.user("dan")
    await pro.user("bob")
    alice, dan, bob = await personal.token("alice"), await personal.token("dan"), await pro.token("bob")
    status, found = await personal.api("GET", f"/api/v2/search?q=bob@{pro.domain}&resolve=true&type=accounts",
                               alice)
    bob_there = found["accounts"][0]

    # alice asks to connect, with a note; markup in it is dropped on both sides
    status, rel = await personal.api("POST", f"/api/v1/accounts/{bob_there['id']}/follow", alice,
                             {"note": "Hi Bob, we met at <b>FediConf</b>.<script>alert(1)</script>"})
    assert status == 200 and rel["requested"] is True and rel["following"] is False
    # dan follows too, without a note
    await personal.api("POST", f"/api/v1/accounts/{bob_there['id']}/follow", dan)
    await fed.settle()

    # the Follow carried the note as `content` (script bodies are dropped, as in any remote text)
    received = [i for i in await pro.inbox_items("bob", bob) if i["type"] == "Follow"]
    assert {i["actor"]: i.get("content") for i in received}[personal.actor("alice")].startswith("Hi Bob")
    status, requests = await pro.api("GET", "/api/v1/follow_requests", bob)
    assert status == 200
    notes = {r["acct"]: r["follow_request"]["note"] for r in requests}
    assert notes == {f"alice@{personal.domain}": "Hi Bob, we met at FediConf.",
                     f"dan@{personal.domain}": ""}
    # and on bob's requests page
    b = await _browser(fed, pro, "bob")
    page = await b.get("/follow_requests")
    assert "Hi Bob, we met at FediConf." in page.text and "alert(1)" not in page.text
    page = await b.get("/notifications")
    assert "asked to connect with you" in page.text and "Hi Bob, we met at FediConf." in page.text

    # bob posts for his connections while alice is still waiting: it never reaches her
    status, early = await pro.api("POST", "/api/v1/statuses", bob,
                               {"status": "connections only, early", "visibility": "private"})
    assert status == 200
    await fed.settle()
    assert await personal.state.store.statuses.by_uri(early["uri"]) is None
    status, home = await personal.api("GET", "/api/v1/timelines/home", alice)
    assert home == []
    # ... nor may she, or her server, fetch it
    assert await _signed_get(personal, "alice", early["uri"]) == 404
    assert await _signed_get(personal, "alice", early["uri"] + "/activity") == 404
    async with pro.session.get(early["uri"], headers={"Accept": AP_ACCEPT}) as resp:
        assert resp.status == 404

    # bob approves and connects back: alice and bob are connections
    alice_there = next(r for r in requests if r["acct"].startswith("alice@"))
    await b.get("/follow_requests")
    done = await b.post(f"/follow_requests/{alice_there['id']}/authorize", {"connect": "1"})
    assert done.status == 200 and "you asked to follow them back" in done.text
    await fed.settle()
    status, rel = await personal.api("GET", f"/api/v1/accounts/relationships?id[]={bob_there['id']}", alice)
    assert rel[0]["following"] is True and rel[0]["followed_by"] is True
    connections = await b.get("/connections")
    assert f"@alice@{personal.domain}" in connections.text and f"@dan@{personal.domain}" not in connections.text
    profile = await b.get(f"/@alice@{personal.domain}")
    assert "Connected" in profile.text

    # now followers-only posts reach her, and only signed fetches by followers see them
    status, later = await pro.api("POST", "/api/v1/statuses", bob,
                               {"status": "connections only, later", "visibility": "private"})
    await fed.settle()
    assert await personal.state.store.statuses.by_uri(later["uri"]) is not None
    assert await _signed_get(personal, "alice", later["uri"]) == 200
    assert await _signed_get(personal, "dan", later["uri"]) == 404  # still waiting
    async with pro.session.get(later["uri"], headers={"Accept": AP_ACCEPT}) as resp:
        assert resp.status == 404
    # dan is on the same server as alice: the post reached that server for alice, not for him
    status, dan_home = await personal.api("GET", "/api/v1/timelines/home", dan)
    assert dan_home == []
    status, alice_home = await personal.api("GET", "/api/v1/timelines/home", alice)
    assert [s["content"] for s in alice_home] == ["<p>connections only, later</p>"]


async def test_connecting_back_needs_no_second_approval(fed):
    """On professional instances, approving a request and following back makes a connection:
    the follow back is accepted at once by the account that asked first — locally and across
    professional instances — while a stranger's request still waits."""
    pro = await fed.start("pro.test", "professional")
    work = await fed.start("work.test", "professional")
    for name in ("alice", "carol"):
        await pro.user(name)
    await work.user("dave")
    alice, carol, dave = await pro.token("alice"), await pro.token("carol"), await work.token("dave")

    async def ask(inst, token, acct):
        status, found = await inst.api("GET", f"/api/v2/search?q={acct}&resolve=true&type=accounts", token)
        status, rel = await inst.api("POST", f"/api/v1/accounts/{found['accounts'][0]['id']}/follow", token)
        return found["accounts"][0]["id"], rel

    # carol asks alice (same instance); alice approves and follows back: connected at once
    alice_id, rel = await ask(pro, carol, "alice")
    assert rel["requested"] is True
    status, requests = await pro.api("GET", "/api/v1/follow_requests", alice)
    await pro.api("POST", f"/api/v1/follow_requests/{requests[0]['id']}/authorize", alice)
    carol_id, rel = await ask(pro, alice, "carol")
    assert rel["following"] is True and rel["followed_by"] is True and rel["requested"] is False
    # dave (another professional instance) asks alice; she approves and follows back
    _, rel = await ask(work, dave, f"alice@{pro.domain}")
    await fed.settle()
    status, requests = await pro.api("GET", "/api/v1/follow_requests", alice)
    # (the Accept and the follow back leave together; either may arrive first)
    await pro.api("POST", f"/api/v1/follow_requests/{requests[0]['id']}/authorize", alice)
    dave_id, rel = await ask(pro, alice, f"dave@{work.domain}")
    await fed.settle()
    status, rels = await pro.api("GET", f"/api/v1/accounts/relationships?id[]={dave_id}", alice)
    assert rels[0]["following"] is True and rels[0]["followed_by"] is True
    status, waiting = await work.api("GET", "/api/v1/follow_requests", dave)
    assert waiting == []  # nothing for dave to approve
    # a stranger's request is still a request
    await work.user("erin")
    _, rel = await ask(work, await work.token("erin"), f"carol@{pro.domain}")
    await fed.settle()
    status, requests = await pro.api("GET", "/api/v1/follow_requests", carol)
    assert [r["acct"] for r in requests] == [f"erin@{work.domain}"]
