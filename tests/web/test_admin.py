"""The admin pages: who may see them, the dashboard, accounts (approval, suspension, silencing,
admin rights), invite links, the federation policy, reports and the instance settings."""

import html
import json
import re
import time
from urllib.parse import unquote

from aiohttp.test_utils import unused_port

from fedi.services import moderation, registration, reports, statuses
from fedi.services.accounts import hash_token
from fedi.web.security import SESSION_COOKIE
from tests.web.pagehelpers import card_ids

PAGES = ("/admin", "/admin/accounts", "/admin/invites", "/admin/federation", "/admin/reports",
         "/admin/settings")


async def start(fed, name: str = "admin.test", **instance):
    port = unused_port()
    inst = await fed.start(name, port=port, instance={"base_url": f"http://{name}:{port}", "name": name,
                                                      "kind": "personal", **instance})
    boss = await inst.user("boss", admin=True)
    return inst, boss


async def signed_in(browser_for, inst, username: str, password: str = "password123"):
    b = browser_for(inst)
    page = await b.sign_in(username, password)
    assert page.status == 200 and "Sign out" in page.text, page.text
    return b


def notice(page) -> str:
    found = re.search(r'<p class="notice" role="status">(.*?)</p>', page.text, re.S)
    return html.unescape(found.group(1)) if found else ""


async def api(inst, path: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with inst.session.get(inst.base + path, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


# --------------------------------------------------------------------------- access

async def test_only_admins_get_in(fed, browser_for):
    inst, boss = await start(fed)
    alice = await inst.user("alice")
    report = await reports.file(inst.state, boss, alice, comment="test")
    pages = (*PAGES, f"/admin/accounts/{alice.id}", f"/admin/reports/{report['id']}")

    visitor = browser_for(inst)
    for path in pages:
        page = await visitor.get(path, allow_redirects=False)
        assert page.status == 303 and unquote(page.headers["Location"]) == f"/auth/sign_in?next={path}", path

    member = await signed_in(browser_for, inst, "alice")
    assert 'href="/admin"' not in (await member.get("/home")).text  # no Admin link in the navigation
    for path in pages:
        page = await member.get(path)
        assert page.status == 403 and "for the admins of this instance" in page.text, path
    # Forms posted by a member (with a valid CSRF token) are refused too, and change nothing.
    await member.get("/home")
    posts = {"/admin/federation/block": {"domain": "spam.test"}, "/admin/settings": {"name": "Mine now"},
             f"/admin/accounts/{boss.id}/suspend": {}, "/admin/invites": {},
             f"/admin/reports/{report['id']}/resolve": {}}
    for path, data in posts.items():
        page = await member.post(path, data, csrf=member.last.csrf)
        assert page.status == 403, path
    assert not inst.state.domain_blocked("spam.test")
    assert (await inst.state.store.accounts.get(boss.id)).suspended is False
    assert (await inst.state.store.reports.get(report["id"]))["action_taken"] is False
    assert await registration.list_invites(inst.state) == []
    assert (await api(inst, "/api/v1/instance"))[1]["title"] == "admin.test"

    admin = await signed_in(browser_for, inst, "boss")
    assert 'href="/admin"' in admin.last.text
    for path in pages:
        page = await admin.get(path)
        assert page.status == 200 and 'aria-label="Admin"' in page.text, path
    # A bad CSRF token is refused on every admin form.
    for path, data in posts.items():
        page = await admin.post(path, data, csrf="f" * 64)
        assert page.status == 403 and "The form expired" in page.text, path
    assert not inst.state.domain_blocked("spam.test")
    assert (await inst.state.store.reports.get(report["id"]))["action_taken"] is False
    assert await registration.list_invites(inst.state) == []


# --------------------------------------------------------------------------- dashboard

async def test_dashboard_counts_accounts_posts_peers_queues_and_hosts(fed, browser_for):
    inst, boss = await start(fed)
    other = await fed.start("peer.test")
    bob = await other.user("bob")
    alice = await inst.user("alice")
    await inst.user("hopeful", approved=False)
    await statuses.create(inst.state, alice, "one")
    await statuses.create(inst.state, alice, "two")
    await inst.state.resolver.actor(bob.uri)  # a remote account, so a known peer
    await inst.state.store.jobs.enqueue("deliver", {"inbox": "x"}, host="slow.test")
    await inst.state.store.hosts.record_failure("down.test", unavailable_after=0)
    await inst.state.store.hosts.record_failure("down.test", unavailable_after=0)
    await inst.state.store.hosts.record_failure("flaky.test", unavailable_after=86400)

    b = await signed_in(browser_for, inst, "boss")
    page = await b.get("/admin")
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page.text))
    assert figures["Local accounts"] == "3" and figures["Remote accounts"] == "1"
    assert figures["Local posts"] == "2" and figures["Known peers"] == "1"
    assert figures["Waiting for approval"] == "1" and figures["Open reports"] == "0"
    assert "1 person waits for approval" in page.text
    queue_row = re.search(r"<code>deliver</code></th><td>(\d+)</td><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td>",
                          page.text)
    assert queue_row and queue_row.groups() == ("1", "0 s", "0", "0"), queue_row and queue_row.groups()
    # A job failed for good a minute ago, one waits for a retry after an error: both show.
    failed = await inst.state.store.jobs.enqueue("deliver", {"inbox": "y"}, host="gone.test", returning_id=True)
    await inst.state.store.jobs.fail(failed, "410 Gone")
    again = await inst.state.store.jobs.enqueue("deliver", {"inbox": "z"}, host="slow.test", returning_id=True)
    await inst.state.store.jobs.retry(again, time.time() + 60, "timed out")
    page = await b.get("/admin")
    queue_row = re.search(r"<code>deliver</code></th><td>(\d+)</td><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td>",
                          page.text)
    assert queue_row and queue_row.groups()[2:] == ("1", "1") and queue_row.group(1) == "2", queue_row.groups()
    down = re.search(r"<th scope=\"row\">down.test</th><td[^>]*>(\d+)</td>.*?</tr>", page.text, re.S)
    assert down and down.group(1) == "2" and "unavailable" in down.group(0)
    flaky = re.search(r"<th scope=\"row\">flaky.test</th><td[^>]*>(\d+)</td>.*?</tr>", page.text, re.S)
    assert flaky and flaky.group(1) == "1" and "retrying" in flaky.group(0)
    unavailable = page.text.split('id="unavailable"')[1]
    assert "<li>down.test</li>" in unavailable and "flaky.test" not in unavailable


# --------------------------------------------------------------------------- accounts

async def test_account_list_search_and_pending_sign_ups(fed, browser_for):
    inst, boss = await start(fed, registrations="approval")
    await inst.user("alice")
    await inst.user("alfred")
    waiting = await registration.register(inst.state, username="hopeful", email="h@mail.test",
                                          password="long enough", reason="I run the <b>book</b> club.")
    other = await registration.register(inst.state, username="nope", email="n@mail.test",
                                        password="long enough", reason="spam spam")
    b = await signed_in(browser_for, inst, "boss")

    page = await b.get("/admin/accounts")
    pending = page.text.split('id="accounts"')[0]
    assert "@hopeful" in pending and "I run the &lt;b&gt;book&lt;/b&gt; club." in pending
    assert "@nope" in pending and "@alice" not in pending
    listed = page.text.split('id="accounts"')[1]
    for name in ("boss", "alice", "alfred", "hopeful"):
        assert f">@{name}</a>" in listed
    found = await b.get("/admin/accounts?q=alf")
    table = found.text.split('id="accounts"')[1]
    assert ">@alfred</a>" in table and "@alice" not in table
    by_mail = await b.get("/admin/accounts?q=h@mail.test")
    assert ">@hopeful</a>" in by_mail.text.split('id="accounts"')[1]
    admins = await b.get("/admin/accounts?which=admins")
    table = admins.text.split('id="accounts"')[1]
    assert ">@boss</a>" in table and "@alice" not in table

    approved = await b.post(f"/admin/accounts/{waiting.account.id}/approve", {"back": "/admin/accounts"})
    assert approved.status == 200 and approved.url.endswith("/admin/accounts")
    assert notice(approved) == "@hopeful was approved and can sign in now."
    assert (await inst.state.store.users.get(waiting.account.id)).approved
    assert (await signed_in(browser_for, inst, "hopeful", "long enough")).last.status == 200

    rejected = await b.post(f"/admin/accounts/{other.account.id}/reject", {})
    assert notice(rejected) == "The request of @nope was turned down."
    assert await inst.state.store.accounts.get(other.account.id) is None
    again = await b.post(f"/admin/accounts/{waiting.account.id}/reject", {})
    assert again.status == 404  # approved already: nothing waits
    unknown = await b.post(f"/admin/accounts/{waiting.account.id}/explode", {})
    assert unknown.status == 404
    missing = await b.get("/admin/accounts/nosuchaccount")
    assert missing.status == 404


async def test_suspension_ends_sessions_streams_and_tokens(fed, browser_for):
    inst, boss = await start(fed)
    alice = await inst.user("alice")
    token = await inst.token("alice")
    alice_browser = await signed_in(browser_for, inst, "alice")
    stream = inst.state.events.subscribe(["user"], account_id=alice.id)
    b = await signed_in(browser_for, inst, "boss")

    page = await b.get(f"/admin/accounts/{alice.id}")
    assert f"/admin/accounts/{alice.id}/suspend" in page.text
    done = await b.post(f"/admin/accounts/{alice.id}/suspend", {})
    assert done.url.endswith(f"/admin/accounts/{alice.id}") and notice(done) == "@alice was suspended."
    assert "suspended" in done.text and f"/admin/accounts/{alice.id}/unsuspend" in done.text
    assert stream.closed
    assert (await api(inst, "/api/v1/accounts/verify_credentials", token))[0] == 401
    home = await alice_browser.get("/home", allow_redirects=False)
    assert home.status == 303 and home.headers["Location"].startswith("/auth/sign_in")
    assert await inst.state.store.sessions.get(hash_token(alice_browser.cookie(SESSION_COOKIE))) is None
    assert (await browser_for(inst).get("/@alice")).status == 404
    assert (await browser_for(inst).sign_in("alice", "password123")).status == 401

    listed = await b.get("/admin/accounts?which=suspended")
    assert ">@alice</a>" in listed.text.split('id="accounts"')[1]
    lifted = await b.post(f"/admin/accounts/{alice.id}/unsuspend", {})
    assert notice(lifted) == "@alice was reinstated."
    assert (await api(inst, "/api/v1/accounts/verify_credentials", token))[0] == 200
    assert (await browser_for(inst).get("/@alice")).status == 200
    assert (await signed_in(browser_for, inst, "alice")).last.status == 200

    own = await b.post(f"/admin/accounts/{boss.id}/suspend", {})
    assert own.status == 422 and "your own account" in own.text
    assert not (await inst.state.store.accounts.get(boss.id)).suspended


async def test_silenced_accounts_leave_the_public_timelines(fed, browser_for):
    inst, boss = await start(fed)
    loud = await inst.user("loud")
    quiet = await inst.user("quiet")
    shout = await statuses.create(inst.state, loud, "BUY NOW")
    calm = await statuses.create(inst.state, quiet, "hello")
    b = await signed_in(browser_for, inst, "boss")
    assert set(card_ids((await b.get("/local")).text)) >= {shout.id, calm.id}

    done = await b.post(f"/admin/accounts/{loud.id}/silence", {})
    assert notice(done) == "@loud was silenced." and "silenced" in done.text
    assert card_ids((await b.get("/local")).text) == [calm.id]
    assert card_ids((await b.get("/federated")).text) == [calm.id]
    assert card_ids((await browser_for(inst).get("/")).text) == [calm.id]
    _, public = await api(inst, "/api/v1/timelines/public")
    assert [s["id"] for s in public] == [calm.id]
    assert shout.id in card_ids((await b.get("/@loud")).text)  # the profile still shows it
    assert ">@loud</a>" in (await b.get("/admin/accounts?which=silenced")).text

    await b.post(f"/admin/accounts/{loud.id}/unsilence", {})
    assert card_ids((await b.get("/local")).text) == [calm.id, shout.id]


async def test_promote_and_demote(fed, browser_for):
    inst, boss = await start(fed)
    carol = await inst.user("carol")
    carol_browser = await signed_in(browser_for, inst, "carol")
    assert (await carol_browser.get("/admin")).status == 403
    b = await signed_in(browser_for, inst, "boss")

    done = await b.post(f"/admin/accounts/{carol.id}/promote", {})
    assert notice(done) == "@carol was made an admin."
    assert (await carol_browser.get("/admin")).status == 200
    await b.post(f"/admin/accounts/{carol.id}/demote", {})
    assert (await carol_browser.get("/admin")).status == 403
    own = await b.post(f"/admin/accounts/{boss.id}/demote", {})
    assert own.status == 422 and "your own admin rights" in own.text
    assert (await inst.state.store.users.get(boss.id)).admin


async def test_remote_accounts_can_be_suspended_and_silenced(fed, browser_for):
    inst, boss = await start(fed)
    other = await fed.start("peer.test")
    bob = await other.user("bob")
    await statuses.create(other.state, bob, "remote hello")
    remote_bob = await inst.state.resolver.actor(bob.uri)
    b = await signed_in(browser_for, inst, "boss")
    listed = await b.get("/admin/accounts?which=remote")
    assert f"@bob@{other.domain}" in listed.text.split('id="accounts"')[1]

    page = await b.get(f"/admin/accounts/{remote_bob.id}")
    assert "remote" in page.text and "promote" not in page.text
    await b.post(f"/admin/accounts/{remote_bob.id}/suspend", {})
    assert (await inst.state.store.accounts.get(remote_bob.id)).suspended
    # A fresh copy of the actor does not lift the suspension.
    await inst.state.resolver.actor(bob.uri, refresh=True)
    assert (await inst.state.store.accounts.get(remote_bob.id)).suspended
    promote = await b.post(f"/admin/accounts/{remote_bob.id}/promote", {})
    assert promote.status == 422 and "Only local accounts" in promote.text
    await b.post(f"/admin/accounts/{remote_bob.id}/unsuspend", {})
    await b.post(f"/admin/accounts/{remote_bob.id}/silence", {})
    entry = await inst.state.store.moderation.account_entry(remote_bob.id)
    assert entry["silenced"] and not entry["account"].suspended


# --------------------------------------------------------------------------- invites

async def test_invite_links(fed, browser_for):
    inst, boss = await start(fed, registrations="invite")
    b = await signed_in(browser_for, inst, "boss")
    page = await b.get("/admin/invites")
    assert "No invite links yet." in page.text
    made = await b.post("/admin/invites", {"max_uses": "5", "expires_in": "86400"})
    [invite] = await registration.list_invites(inst.state)
    assert invite["max_uses"] == 5 and abs(invite["expires_at"] - (time.time() + 86400)) < 60
    assert notice(made) == f"New invite link: {invite['url']}"
    assert f'value="{invite["url"]}"' in made.text and "Uses: 0 of 5" in made.text and "by @boss" in made.text
    visitor = browser_for(inst)
    assert (await visitor.get(f"/invite/{invite['code']}")).status == 200

    unlimited = await b.post("/admin/invites", {"max_uses": "", "expires_in": ""})
    assert "(no limit)" in unlimited.text and "never expires" in unlimited.text
    bad = await b.post("/admin/invites", {"max_uses": "7", "expires_in": ""})
    assert bad.status == 422 and "Choose one of the offered values." in bad.text
    assert len(await registration.list_invites(inst.state)) == 2

    revoked = await b.post(f"/admin/invites/{invite['code']}/revoke", {})
    assert notice(revoked) == "The invite link was revoked." and invite["url"] not in revoked.text
    assert (await visitor.get(f"/invite/{invite['code']}")).status == 404


# --------------------------------------------------------------------------- federation

async def test_federation_page_blocks_and_allows_domains(fed, browser_for):
    inst = await fed.start("admin.test", federation={"blocked_domains": ["config-blocked.test"],
                                                     "allowed_domains": ["config-friend.test"]})
    await inst.user("boss", admin=True)
    b = await signed_in(browser_for, inst, "boss")
    page = await b.get("/admin/federation")
    assert "config-blocked.test" in page.text and "in the configuration file" in page.text
    assert "Allowlist mode is <strong>off</strong>" in page.text

    blocked = await b.post("/admin/federation/block", {"domain": "HTTPS://Spam.Test/", "comment": "bots"})
    assert notice(blocked) == "spam.test is blocked."
    row = re.search(r'<th scope="row">spam.test</th>.*?</tr>', blocked.text, re.S).group(0)
    assert "bots" in row and "Unblock" in row
    assert inst.state.domain_blocked("spam.test") and inst.state.domain_blocked("a.spam.test:8443")
    for bad, message in (("not a domain!", "not a valid domain name"), ("", "can&#39;t be blank"),
                         (inst.domain, "own domain")):
        refused = await b.post("/admin/federation/block", {"domain": bad})
        assert refused.status == 422 and message in refused.text, bad
    cannot = await b.post("/admin/federation/unblock", {"domain": "config-blocked.test"})
    assert cannot.status == 422 and "configuration file" in cannot.text
    unblocked = await b.post("/admin/federation/unblock", {"domain": "spam.test"})
    assert notice(unblocked) == "spam.test is no longer blocked." and not inst.state.domain_blocked("spam.test")
    assert (await b.post("/admin/federation/unblock", {"domain": "spam.test"})).status == 404

    on = await b.post("/admin/federation/allowlist", {"mode": "on"})
    assert notice(on).startswith("Allowlist mode is on") and "Allowlist mode is <strong>on</strong>" in on.text
    assert inst.state.domain_blocked("stranger.test") and not inst.state.domain_blocked("config-friend.test")
    allowed = await b.post("/admin/federation/allow", {"domain": "friend.test"})
    assert notice(allowed) == "friend.test is on the allowed list."
    assert not inst.state.domain_blocked("friend.test") and not inst.state.domain_blocked("sub.friend.test")
    assert inst.state.domain_blocked("config-blocked.test")
    gone = await b.post("/admin/federation/disallow", {"domain": "friend.test"})
    assert notice(gone) == "friend.test was taken off the allowed list."
    assert inst.state.domain_blocked("friend.test")
    off = await b.post("/admin/federation/allowlist", {"mode": "off"})
    assert notice(off).startswith("Allowlist mode is off") and not inst.state.domain_blocked("stranger.test")


# --------------------------------------------------------------------------- reports

async def test_reports_list_detail_resolve_and_act(fed, browser_for):
    inst, boss = await start(fed)
    alice = await inst.user("alice")
    troll = await inst.user("troll")
    bad = await statuses.create(inst.state, troll, "something <nasty>")
    first = await reports.file(inst.state, alice, troll, status_ids=[bad.id], comment="Please look at this",
                               category="spam")
    second = await reports.file(inst.state, alice, troll, comment="again")
    b = await signed_in(browser_for, inst, "boss")

    listing = await b.get("/admin/reports")
    assert "Report about @troll</strong>" in listing.text and "Please look at this" in listing.text
    assert ">@alice</a>" in listing.text and "Spam" in listing.text
    assert "No resolved reports." in (await b.get("/admin/reports?state=resolved")).text

    detail = await b.get(f"/admin/reports/{first['id']}")
    assert "Please look at this" in detail.text and "something &lt;nasty&gt;" in detail.text
    assert f'id="s-{bad.id}"' in detail.text and "open" in detail.text
    resolved = await b.post(f"/admin/reports/{first['id']}/resolve", {})
    assert notice(resolved) == "The report is resolved." and "resolved</span> by @boss" in resolved.text
    assert (await inst.state.store.reports.get(first["id"]))["action_taken"]
    assert first["id"] not in (await b.get("/admin/reports")).text
    assert first["id"] in (await b.get("/admin/reports?state=resolved")).text
    reopened = await b.post(f"/admin/reports/{first['id']}/reopen", {})
    assert notice(reopened) == "The report is open again."
    assert not (await inst.state.store.reports.get(first["id"]))["action_taken"]

    silenced = await b.post(f"/admin/reports/{second['id']}/silence", {})
    assert notice(silenced) == "The account was silenced and the report resolved."
    assert (await inst.state.store.moderation.account_entry(troll.id))["silenced"]
    suspended = await b.post(f"/admin/reports/{first['id']}/suspend", {})
    assert notice(suspended) == "The account was suspended and the report resolved."
    assert (await inst.state.store.accounts.get(troll.id)).suspended
    assert (await inst.state.store.reports.get(first["id"]))["action_taken"]
    assert (await b.post(f"/admin/reports/{first['id']}/explode", {})).status == 404
    assert (await b.get("/admin/reports/nosuchreport")).status == 404
    account_page = await b.get(f"/admin/accounts/{troll.id}")
    for r in (first, second):
        assert f"/admin/reports/{r['id']}" in account_page.text


# --------------------------------------------------------------------------- instance settings

async def test_instance_settings_apply_everywhere_and_persist(fed, browser_for):
    inst, boss = await start(fed, name="settings.test")
    b = await signed_in(browser_for, inst, "boss")
    form = await b.get("/admin/settings")
    assert 'value="settings.test"' in form.text and 'value="open" checked' in form.text

    saved = await b.post("/admin/settings", {
        "name": "  The  Book Club ", "description": "Readers <welcome>.\nSecond line.",
        "rules": "Be kind\n\n  No spam  \n", "registrations": "approval"})
    assert notice(saved) == "The instance settings were saved."
    assert 'value="The Book Club"' in saved.text
    assert "<title>Instance settings · Admin · The Book Club</title>" in saved.text

    landing = await browser_for(inst).get("/")
    assert '<h1 id="site-name">The Book Club</h1>' in landing.text and "Readers &lt;welcome&gt;." in landing.text
    assert "<li>Be kind</li>" in landing.text and "<li>No spam</li>" in landing.text
    assert "Sign-ups are reviewed by a moderator." in landing.text
    signup = await browser_for(inst).get("/auth/sign_up")
    assert 'name="reason"' in signup.text

    _, v1 = await api(inst, "/api/v1/instance")
    assert v1["title"] == "The Book Club" and v1["description"] == "Readers <welcome>.\nSecond line."
    assert v1["rules"] == [{"id": "1", "text": "Be kind", "hint": ""}, {"id": "2", "text": "No spam", "hint": ""}]
    assert v1["registrations"] is True and v1["approval_required"] is True
    _, v2 = await api(inst, "/api/v2/instance")
    assert v2["title"] == "The Book Club" and v2["rules"] == v1["rules"]
    assert v2["registrations"]["approval_required"] is True
    assert (await api(inst, "/api/v1/instance/rules"))[1] == v1["rules"]
    assert (await api(inst, "/api/v1/instance/extended_description"))[1]["content"].startswith("Readers")
    _, nodeinfo = await api(inst, "/nodeinfo/2.1")
    assert nodeinfo["metadata"]["nodeName"] == "The Book Club"
    assert nodeinfo["metadata"]["registrations"] == "approval" and nodeinfo["openRegistrations"] is True

    for values, message in (({"name": " "}, "name cannot be empty"),
                            ({"registrations": "whenever"}, "registration mode must be one of"),
                            ({"rules": "\n".join(f"rule {n}" for n in range(21))}, "at most 20 rules"),
                            ({"rules": "x" * 301}, "at most 300 characters")):
        data = {"name": "Club", "description": "", "rules": "", "registrations": "closed", **values}
        refused = await b.post("/admin/settings", data)
        assert refused.status == 422 and message in html.unescape(refused.text), values
    assert (await api(inst, "/api/v1/instance"))[1]["title"] == "The Book Club"

    closed = await b.post("/admin/settings", {"name": "The Book Club", "description": "", "rules": "",
                                              "registrations": "closed"})
    assert notice(closed) == "The instance settings were saved."
    assert "not accepting new accounts" in (await browser_for(inst).get("/auth/sign_up")).text
    assert (await api(inst, "/api/v1/instance"))[1]["rules"] == []

    # Stored in the database: a restart keeps them (and the configuration still gives the rest).
    await fed.stop("settings.test")
    port = unused_port()
    again = await fed.start("settings.test", port=port, instance={
        "base_url": f"http://settings.test:{port}", "name": "settings.test", "description": "from the file"})
    _, v1 = await api(again, "/api/v1/instance")
    assert v1["title"] == "The Book Club" and v1["registrations"] is False and v1["description"] == ""
    stored = json.loads(await again.state.store.settings.get("instance.registrations"))
    assert stored == "closed"


async def test_settings_left_alone_follow_the_configuration(fed, browser_for):
    inst, boss = await start(fed, name="cfg.test", description="from the file")
    await moderation.set_allowlist_mode(inst.state, boss, False)  # unchanged: nothing stored
    b = await signed_in(browser_for, inst, "boss")
    await b.get("/admin/settings")
    await b.post("/admin/settings", {"name": "cfg.test", "description": "from the file", "rules": "Be nice",
                                     "registrations": "open"})
    assert await inst.state.store.settings.get("instance.name") is None
    assert await inst.state.store.settings.get("federation.allowlist_mode") is None
    assert json.loads(await inst.state.store.settings.get("instance.rules")) == ["Be nice"]
