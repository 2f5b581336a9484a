"""Reporting from the web pages: the Report links on posts and profiles, the report form, and
a report sent on to the reported account's server, where its admin sees it."""

import html
import re

from fedi.services import statuses
from tests.web.pagehelpers import card_ids


async def signed_in(browser_for, inst, username: str):
    b = browser_for(inst)
    page = await b.sign_in(username, "password123")
    assert page.status == 200 and "Sign out" in page.text
    return b


def report_links(text: str) -> list[str]:
    found = re.findall(r'<a class="button secondary" href="(/report\?[^"]+)"[^>]*>Report</a>', text)
    return [html.unescape(h) for h in found]


async def test_report_links_and_form_errors(fed, browser_for):
    inst = await fed.start("home.test")
    alice = await inst.user("alice")
    carol = await inst.user("carol")
    mine = await statuses.create(inst.state, alice, "my own post")
    theirs = await statuses.create(inst.state, carol, "carol's post")
    b = await signed_in(browser_for, inst, "alice")

    local = await b.get("/local")
    assert set(card_ids(local.text)) == {mine.id, theirs.id}
    assert report_links(local.text) == [f"/report?account_id={carol.id}&status_id={theirs.id}"]
    assert f"/report?account_id={carol.id}" in report_links((await b.get("/@carol")).text)
    assert f"/report?account_id={alice.id}" not in (await b.get("/@alice")).text
    assert report_links((await browser_for(inst).get("/@carol")).text) == []  # visitors get no link

    form = await b.get(f"/report?account_id={carol.id}&status_id={theirs.id}")
    assert form.status == 200 and "Report @carol" in form.text
    assert f'name="status_ids" value="{theirs.id}" checked' in form.text
    assert 'name="forward"' not in form.text  # a local account: there is nobody to send it on to
    assert (await b.get(f"/report?account_id={alice.id}")).status == 422
    assert (await b.get("/report?account_id=nobody")).status == 404
    visitor = await browser_for(inst).get(f"/report?account_id={carol.id}", allow_redirects=False)
    assert visitor.status == 303 and visitor.headers["Location"].startswith("/auth/sign_in")

    await b.get(f"/report?account_id={carol.id}")
    forged = await b.post("/report", {"account_id": carol.id, "comment": "x", "category": "spam"}, csrf="f" * 64)
    assert forged.status == 403
    await b.get(f"/report?account_id={carol.id}")
    too_long = await b.post("/report", {"account_id": carol.id, "comment": "x" * 1001, "category": "spam"})
    assert too_long.status == 422 and "Comment is too long" in too_long.text
    assert 'value="spam" checked' in too_long.text  # what was chosen is kept
    bad_category = await b.post("/report", {"account_id": carol.id, "category": "boredom"})
    assert bad_category.status == 422
    not_hers = await b.post("/report", {"account_id": carol.id, "category": "spam", "status_ids": mine.id})
    assert not_hers.status == 404
    assert await inst.state.store.reports.page() == []

    done = await b.post("/report", {"account_id": carol.id, "category": "spam", "comment": "ads",
                                    "status_ids": theirs.id, "back": "/local"})
    assert done.url.endswith("/local") and "The moderators will look at your report." in done.text
    [report] = await inst.state.store.reports.page()
    assert (report["account_id"], report["target_account_id"], report["status_ids"], report["category"],
            report["comment"], report["forwarded"]) == (alice.id, carol.id, [theirs.id], "spam", "ads", False)


async def test_forwarded_report_reaches_the_other_instance_admin(fed, browser_for):
    home = await fed.start("home.test")
    other = await fed.start("other.test")
    await home.user("alice")
    await home.user("boss", admin=True)
    bob = await other.user("bob")
    await other.user("ops", admin=True)
    token = await home.token("alice")
    status, doc, _ = await home.post_outbox("alice", token, {"type": "Follow", "object": other.actor("bob")})
    assert status == 201, doc
    await fed.settle()
    rude = await statuses.create(other.state, bob, "a rude remark")
    await fed.settle()
    remote_bob = await home.state.store.accounts.by_uri(bob.uri)
    remote_rude = await home.state.store.statuses.by_uri(rude.uri)
    assert remote_rude is not None

    b = await signed_in(browser_for, home, "alice")
    link = f"/report?account_id={remote_bob.id}&status_id={remote_rude.id}"
    assert link in report_links((await b.get("/home")).text)
    form = await b.get(link)
    assert form.status == 200 and 'name="forward" value="1" checked' in form.text
    assert f"the moderators of {other.domain}" in form.text
    done = await b.post("/report", {"account_id": remote_bob.id, "category": "other", "forward": "1",
                                    "comment": "Rude to me <again>", "status_ids": remote_rude.id})
    assert "The moderators will look at your report." in done.text
    [sent] = await home.state.store.reports.page()
    assert sent["forwarded"] and sent["target_account_id"] == remote_bob.id

    # A report not sent on stays here.
    await b.get(f"/report?account_id={remote_bob.id}")
    await b.post("/report", {"account_id": remote_bob.id, "category": "spam", "comment": "only for us"})
    await fed.settle()

    ops = await signed_in(browser_for, other, "ops")
    listing = await ops.get("/admin/reports")
    assert "Report about @bob</strong>" in listing.text
    assert f"the server <strong>{home.domain}</strong>" in listing.text
    assert "Rude to me &lt;again&gt;" in listing.text and "only for us" not in listing.text
    [received] = await other.state.store.reports.page()
    assert received["target_account_id"] == bob.id and received["status_ids"] == [rude.id]
    detail = await ops.get(f"/admin/reports/{received['id']}")
    assert "a rude remark" in detail.text and f'id="s-{rude.id}"' in detail.text
    suspended = await ops.post(f"/admin/reports/{received['id']}/suspend", {})
    assert "The account was suspended and the report resolved." in suspended.text
    assert (await other.state.store.accounts.get(bob.id)).suspended

    boss = await signed_in(browser_for, home, "boss")
    mine = await boss.get("/admin/reports")
    assert "Rude to me &lt;again&gt;" in mine.text and "only for us" in mine.text
    assert f"sent on to {other.domain}" in mine.text
