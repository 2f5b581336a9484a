"""Signing up in the browser in each registration mode, invite links and approval."""

import time

from aiohttp.test_utils import unused_port

from fedi.services import registration
from fedi.services.memory import SlidingWindow
from fedi.web.security import SESSION_COOKIE


async def start(fed, name: str, mode: str, kind: str = "personal"):
    port = unused_port()
    return await fed.start(name, kind, port=port, instance={
        "base_url": f"http://{name}:{port}", "name": name, "kind": kind, "registrations": mode})


def new_user(username: str, **extra) -> dict:
    return {"username": username, "email": f"{username}@mail.example", "password": "long enough pw",
            "password_confirmation": "long enough pw", **extra}


async def test_open_sign_up_creates_and_signs_in(fed, browser_for):
    inst = await start(fed, "open.test", "open")
    await inst.user("alice")
    b = browser_for(inst)
    form = await b.get("/auth/sign_up")
    assert form.status == 200 and 'name="username"' in form.text and 'name="reason"' not in form.text
    assert '<label for="email">' in form.text and f"@{inst.domain}" in form.text

    mismatch = await b.post("/auth/sign_up", {**new_user("newbie"), "password_confirmation": "other pass"})
    assert mismatch.status == 422 and "not the same" in mismatch.text
    assert 'value="newbie"' in mismatch.text  # what was typed is kept
    taken = await b.post("/auth/sign_up", new_user("alice"))
    assert taken.status == 409 and "already taken" in taken.text
    email_taken = await b.post("/auth/sign_up", {**new_user("other"), "email": "alice@open.test"})
    assert email_taken.status == 409 and "already registered" in email_taken.text
    bad_name = await b.post("/auth/sign_up", new_user("no spaces"))
    assert bad_name.status == 422 and "letters, digits or underscores" in bad_name.text
    short = await b.post("/auth/sign_up", {**new_user("shorty"), "password": "short",
                                           "password_confirmation": "short"})
    assert short.status == 422 and "at least 8 characters" in short.text
    forged = await b.post("/auth/sign_up", new_user("forger"), csrf="f" * 64)
    assert forged.status == 403
    assert await inst.state.store.accounts.by_handle("forger", None) is None
    assert b.cookie(SESSION_COOKIE) is None

    await b.get("/auth/sign_up")
    done = await b.post("/auth/sign_up", new_user("newbie"), follow=False)
    assert done.status == 303 and done.headers["Location"] == "/home"
    assert b.cookie(SESSION_COOKIE)
    account = await inst.state.store.accounts.by_handle("newbie", None)
    user = await inst.state.store.users.get(account.id)
    assert user.approved and user.email == "newbie@mail.example" and user.reason == ""
    settings = await b.get("/settings/profile")
    assert settings.status == 200 and "Sign out" in settings.text and 'value="newbie"' in settings.text
    again = await b.get("/auth/sign_up", allow_redirects=False)
    assert again.status == 303  # already signed in


async def test_approval_mode_needs_a_reason_and_a_moderator(fed, browser_for):
    inst = await start(fed, "club.test", "approval")
    admin = await inst.user("boss", admin=True)
    b = browser_for(inst)
    form = await b.get("/auth/sign_up")
    assert form.status == 200 and 'name="reason"' in form.text and "Why do you want to join?" in form.text

    no_reason = await b.post("/auth/sign_up", new_user("hopeful"))
    assert no_reason.status == 422 and "why you want to join" in no_reason.text
    assert await inst.state.store.accounts.by_handle("hopeful", None) is None

    waiting = await b.post("/auth/sign_up", new_user("hopeful", reason="I run the book club."))
    assert waiting.status == 200 and waiting.url.endswith("/auth/sign_up/pending")
    assert "waiting for approval" in waiting.text and b.cookie(SESSION_COOKIE) is None
    account = await inst.state.store.accounts.by_handle("hopeful", None)
    user = await inst.state.store.users.get(account.id)
    assert not user.approved and user.reason == "I run the book club."
    told = await inst.state.store.notifications.page(admin.id)
    assert [(n.type, n.from_account_id) for n in told] == [("admin.sign_up", account.id)]

    refused = await b.sign_in("hopeful", "long enough pw")
    assert refused.status == 403 and "waiting for a moderator" in refused.text
    assert [p.account.username for p in await registration.list_pending(inst.state)] == ["hopeful"]
    assert (await registration.list_pending(inst.state))[0].user.reason == "I run the book club."

    await registration.approve(inst.state, account.id)
    assert await registration.list_pending(inst.state) == []
    await b.get("/auth/sign_in")
    signed_in = await b.post("/auth/sign_in", {"login": "hopeful", "password": "long enough pw"}, follow=False)
    assert signed_in.status == 303 and b.cookie(SESSION_COOKIE)
    assert "Sign out" in (await b.get("/settings/profile")).text

    other = browser_for(inst)
    await other.get("/auth/sign_up")
    await other.post("/auth/sign_up", new_user("spammer", reason="buy things"))
    spammer = await inst.state.store.accounts.by_handle("spammer", None)
    await registration.reject(inst.state, spammer.id)
    assert await inst.state.store.accounts.by_handle("spammer", None) is None
    assert await inst.state.store.users.by_email("spammer@mail.example") is None


async def test_invite_links(fed, browser_for):
    inst = await start(fed, "family.test", "invite")
    mum = await inst.user("mum")
    b = browser_for(inst)
    page = await b.get("/auth/sign_up")
    assert page.status == 200 and "by invitation" in page.text and 'name="username"' not in page.text
    await b.get("/auth/sign_in")  # a page with a CSRF token
    refused = await b.post("/auth/sign_up", new_user("stranger"))
    assert refused.status == 403 and "invite link" in refused.text

    invite = await registration.create_invite(inst.state, mum, max_uses=1, expires_in=3600)
    assert invite["url"] == f"{inst.base}/invite/{invite['code']}"
    form = await b.get(f"/invite/{invite['code']}")
    assert form.status == 200 and f'name="invite" value="{invite["code"]}"' in form.text
    assert 'name="reason"' not in form.text
    dup = await b.post("/auth/sign_up", {**new_user("mum"), "invite": invite["code"]})
    assert dup.status == 409  # a failed attempt does not use the invite up
    joined = await b.post("/auth/sign_up", {**new_user("kid"), "invite": invite["code"]}, follow=False)
    assert joined.status == 303 and b.cookie(SESSION_COOKIE)
    assert (await inst.state.store.users.get((await inst.state.store.accounts.by_handle("kid", None)).id)).approved
    assert (await inst.state.store.invites.get(invite["code"]))["uses"] == 1

    other = browser_for(inst)
    used_up = await other.get(f"/invite/{invite['code']}")
    assert used_up.status == 404 and "invalid, used up or expired" in used_up.text
    await other.get("/auth/sign_in")
    late = await other.post("/auth/sign_up", {**new_user("cousin"), "invite": invite["code"]})
    assert late.status == 404 and await inst.state.store.accounts.by_handle("cousin", None) is None
    assert (await other.get("/invite/nosuchcode1")).status == 404

    await inst.state.store.invites.create("expiredcode", mum.id, None, time.time() - 1)
    assert await registration.valid_invite(inst.state, "expiredcode") is None
    assert (await other.get("/invite/expiredcode")).status == 404
    listed = {i["code"]: i["valid"] for i in await registration.list_invites(inst.state)}
    assert listed == {invite["code"]: False, "expiredcode": False}
    await registration.delete_invite(inst.state, "expiredcode")
    assert [i["code"] for i in await registration.list_invites(inst.state)] == [invite["code"]]


async def test_an_invite_skips_approval(fed, browser_for):
    inst = await start(fed, "club.test", "approval")
    host = await inst.user("host")
    invite = await registration.create_invite(inst.state, host)
    b = browser_for(inst)
    await b.get(f"/invite/{invite['code']}")
    joined = await b.post("/auth/sign_up", {**new_user("guest"), "invite": invite["code"]}, follow=False)
    assert joined.status == 303 and joined.headers["Location"] == "/home"
    guest = await inst.state.store.accounts.by_handle("guest", None)
    assert (await inst.state.store.users.get(guest.id)).approved


async def test_closed_registrations(fed, browser_for):
    inst = await start(fed, "closed.test", "closed")
    owner = await inst.user("owner")
    b = browser_for(inst)
    page = await b.get("/auth/sign_up")
    assert page.status == 200 and "Sign-ups are closed" in page.text and 'name="username"' not in page.text
    assert "/auth/sign_up" not in (await b.get("/auth/sign_in")).text
    refused = await b.post("/auth/sign_up", new_user("intruder"))
    assert refused.status == 403 and await inst.state.store.accounts.by_handle("intruder", None) is None
    invite = await registration.create_invite(inst.state, owner)
    via_invite = await b.get(f"/invite/{invite['code']}")
    assert "Sign-ups are closed" in via_invite.text and 'name="username"' not in via_invite.text
    await b.get("/auth/sign_in")
    refused = await b.post("/auth/sign_up", {**new_user("intruder"), "invite": invite["code"]})
    assert refused.status == 403


async def test_sign_ups_are_rate_limited_per_address(fed, browser_for):
    inst = await fed.start("open.test")
    inst.state.sign_up_attempts = SlidingWindow(2, 3600.0)
    b = browser_for(inst)
    await b.get("/auth/sign_up")
    assert (await b.post("/auth/sign_up", new_user("one"), follow=False)).status == 303
    b = browser_for(inst)  # another browser from the same address
    await b.get("/auth/sign_up")
    assert (await b.post("/auth/sign_up", new_user("bad name"))).status == 422
    slow = await b.post("/auth/sign_up", new_user("three"))
    assert slow.status == 429 and "try again" in slow.text
    assert await inst.state.store.accounts.by_handle("three", None) is None
