"""Settings pages: the profile editor, the password, authorized apps, and the follows CSV."""

import io

from PIL import Image

from fedi.services import accounts, follow_import, follows, oauth, remote
from fedi.web.security import SESSION_COOKIE


def png(color=(200, 40, 40), size=(64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def upload(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


async def signed_in(browser_for, inst, username: str, password: str = "password123"):
    b = browser_for(inst)
    await b.get("/auth/sign_in")
    page = await b.post("/auth/sign_in", {"login": username, "password": password}, follow=False)
    assert page.status == 303
    return b


async def test_profile_editor_saves_and_federates(fed, browser_for):
    personal = await fed.start("personal.test")
    pro = await fed.start("pro.test", "professional")
    alice = await personal.user("alice")
    bob = await pro.user("bob")
    alice_there = await remote.account_by_handle(pro.state, "alice", personal.domain)
    await follows.follow(pro.state, bob, alice_there)
    await fed.settle()

    a = await signed_in(browser_for, personal, "alice")
    form = await a.get("/settings/profile")
    assert form.status == 200 and 'enctype="multipart/form-data"' in form.text
    for field in ("display_name", "note", "field_name_3", "field_value_3", "avatar", "header"):
        assert f'<label for="{field}">' in form.text, field
    assert 'name="field_name_4"' not in form.text and 'name="discoverable" value="1" checked' in form.text

    saved = await a.post("/settings/profile", {
        "display_name": "Alice Liddell", "note": "Gardener.\nLikes #tomatoes.",
        "field_name_0": "Website", "field_value_0": "https://alice.example",
        "field_name_1": "Pronouns", "field_value_1": "she/her",
        "locked": "1", "privacy": "unlisted", "avatar": upload(png(), "me.png"),
    })
    assert saved.status == 200 and saved.url.endswith("/settings/profile") and "Profile saved." in saved.text
    account = await personal.state.store.accounts.get(alice.id)
    assert account.display_name == "Alice Liddell" and "tomatoes" in account.note
    assert [f["name"] for f in account.fields] == ["Website", "Pronouns"]
    assert account.locked and not account.discoverable
    assert account.avatar_url and account.avatar_url.startswith(f"{personal.base}/media/")
    assert (await personal.state.store.users.get(alice.id)).default_visibility == "unlisted"
    assert 'value="Alice Liddell"' in saved.text and 'value="she/her"' in saved.text
    assert 'name="remove_avatar"' in saved.text and '<option value="unlisted" selected>' in saved.text

    await fed.settle()
    copy = await pro.state.store.accounts.get(alice_there.id)
    assert copy.display_name == "Alice Liddell" and copy.locked and copy.avatar_url
    assert [f["name"] for f in copy.fields] == ["Website", "Pronouns"]

    unchanged = await a.post("/settings/profile", {
        "display_name": "Alice Liddell", "note": "Gardener.\nLikes #tomatoes.",
        "field_name_0": "Website", "field_value_0": "https://alice.example",
        "field_name_1": "Pronouns", "field_value_1": "she/her", "locked": "1", "privacy": "unlisted"})
    assert "Nothing to change." in unchanged.text
    removed = await a.post("/settings/profile", {"display_name": "Alice", "remove_avatar": "1",
                                                 "discoverable": "1", "privacy": "public"})
    assert "Profile saved." in removed.text
    account = await personal.state.store.accounts.get(alice.id)
    assert account.avatar_url is None and account.fields == [] and not account.locked and account.discoverable

    too_big = await a.post("/settings/profile", {"display_name": "Big", "header": upload(b"\0" * (10 * 1024 * 1024 + 1),
                                                                                        "huge.png")})
    assert too_big.status == 422 and "too large" in too_big.text and 'value="Big"' in too_big.text
    not_image = await a.post("/settings/profile", {"display_name": "Alice", "avatar": upload(b"<svg/>", "x.png"),
                                                   "csrf_token": too_big.csrf})
    assert not_image.status == 422
    forged = await a.post("/settings/profile", {"display_name": "Mallory"}, csrf="0" * 64)
    assert forged.status == 403
    assert (await personal.state.store.accounts.get(alice.id)).display_name == "Alice"

    visitor = browser_for(personal)
    assert (await visitor.get("/settings/profile", allow_redirects=False)).status == 303
    await visitor.get("/auth/sign_in")
    assert (await visitor.post("/settings/profile", {"display_name": "x"}, follow=False)).status == 303


async def test_change_password_ends_other_sessions(fed, browser_for):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    a = await signed_in(browser_for, inst, "alice")
    elsewhere = await signed_in(browser_for, inst, "alice")
    form = await a.get("/settings/password")
    assert form.status == 200 and '<label for="current_password">' in form.text

    wrong = await a.post("/settings/password", {"current_password": "nope nope", "new_password": "fresh secret",
                                                "new_password_confirmation": "fresh secret"})
    assert wrong.status == 403 and "current password is not right" in wrong.text
    mismatch = await a.post("/settings/password", {"current_password": "password123",
                                                   "new_password": "fresh secret",
                                                   "new_password_confirmation": "other secret"})
    assert mismatch.status == 422 and "not the same" in mismatch.text
    short = await a.post("/settings/password", {"current_password": "password123", "new_password": "short",
                                                "new_password_confirmation": "short"})
    assert short.status == 422 and "at least 8 characters" in short.text
    forged = await a.post("/settings/password", {"current_password": "password123",
                                                 "new_password": "fresh secret",
                                                 "new_password_confirmation": "fresh secret"}, csrf="0" * 64)
    assert forged.status == 403
    assert "Sign out" in (await elsewhere.get("/settings/password")).text

    await a.get("/settings/password")
    done = await a.post("/settings/password", {"current_password": "password123", "new_password": "fresh secret",
                                               "new_password_confirmation": "fresh secret"})
    assert done.status == 200 and "Password changed." in done.text and "Sign out" in done.text
    kicked = await elsewhere.get("/settings/password", allow_redirects=False)
    assert kicked.status == 303 and kicked.headers["Location"].startswith("/auth/sign_in")
    assert await accounts.authenticate(inst.state, "alice", "password123") is None
    assert await accounts.authenticate(inst.state, "alice", "fresh secret") is not None
    fresh = browser_for(inst)
    await fresh.get("/auth/sign_in")
    assert (await fresh.post("/auth/sign_in", {"login": "alice", "password": "fresh secret"},
                             follow=False)).status == 303 and fresh.cookie(SESSION_COOKIE)


async def test_authorized_apps_can_be_revoked(fed, browser_for):
    inst = await fed.start("personal.test")
    alice = await inst.user("alice")
    bob = await inst.user("bob")
    app = await oauth.register_app(inst.state, "Tusky", [oauth.OOB], "read write", "https://tusky.app")
    app_token = await accounts.create_token(inst.state, alice, "read write", app_id=app.id)
    cli_token = await accounts.create_token(inst.state, alice, "read")
    bob_token = await accounts.create_token(inst.state, bob, "read")
    a = await signed_in(browser_for, inst, "alice")
    page = await a.get("/settings/apps")
    assert page.status == 200 and "Tusky" in page.text and "https://tusky.app" in page.text
    assert "Access token" in page.text and "<code>write</code>" in page.text

    forged = await a.post("/settings/apps/revoke", {"app_id": app.id}, csrf="0" * 64)
    assert forged.status == 403 and await accounts.account_for_token(inst.state, app_token)
    await a.get("/settings/apps")
    revoked = await a.post("/settings/apps/revoke", {"app_id": app.id})
    assert "Access revoked." in revoked.text and "Tusky" not in revoked.text
    assert await accounts.account_for_token(inst.state, app_token) is None
    assert await accounts.account_for_token(inst.state, cli_token) is not None

    [cli] = await inst.state.store.tokens.for_account(alice.id)
    [bobs] = await inst.state.store.tokens.for_account(bob.id)
    await a.post("/settings/apps/revoke", {"token_id": bobs.id})  # someone else's token: untouched
    assert await accounts.account_for_token(inst.state, bob_token) is not None
    await a.post("/settings/apps/revoke", {"token_id": cli.id})
    assert await accounts.account_for_token(inst.state, cli_token) is None
    assert "No app has access to your account." in a.last.text
    assert (await a.post("/settings/apps/revoke", {})).status == 422


async def test_follows_export_and_import_round_trip(fed, browser_for):
    personal = await fed.start("personal.test")
    other = await fed.start("other.test")
    alice = await personal.user("alice")
    await personal.user("carol")
    erin = await personal.user("erin")
    await other.user("dave")
    a = await signed_in(browser_for, personal, "alice")
    for handle in ("@carol", f"@dave@{other.domain}"):
        await a.get("/follow")
        await a.post("/follow", {"handle": handle}, follow=False)
    await fed.settle()

    exported = await a.get("/settings/export")
    assert exported.status == 200 and exported.headers["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="following_accounts.csv"' == exported.headers["Content-Disposition"]
    lines = exported.text.splitlines()
    assert lines[0] == "Account address,Show boosts,Notify on new posts,Languages"
    assert sorted(lines[1:]) == sorted([f"carol@{personal.domain},true,false,", f"dave@{other.domain},true,false,"])

    e = await signed_in(browser_for, personal, "erin")
    form = await e.get("/settings/import")
    assert form.status == 200 and 'enctype="multipart/form-data"' in form.text and '<label for="csv">' in form.text
    csv_file = exported.text + f"nobody@{other.domain},true,false,\n"
    done = await e.post("/settings/import", {"csv": upload(csv_file.encode(), "following_accounts.csv")})
    assert done.status == 200
    assert "Of 3 accounts in the file: 2 followed or requested, 0 already followed, 1 failed." in done.text
    assert f"nobody@{other.domain}:" in done.text
    carol = await personal.state.store.accounts.by_handle("carol", None)
    dave_here = await personal.state.store.accounts.by_handle("dave", other.domain)
    assert (await personal.state.store.follows.get(erin.id, carol.id)).accepted
    await fed.settle()
    assert (await personal.state.store.follows.get(erin.id, dave_here.id)).accepted
    assert (await personal.state.store.follows.get(alice.id, dave_here.id)).accepted

    again = await e.post("/settings/import", {"csv": upload(exported.text.encode(), "f.csv")})
    assert "2 already followed" in again.text
    bare = await e.post("/settings/import", {"csv": upload(b"@carol\n", "f.csv")})
    assert "Of 1 accounts in the file: 0 followed or requested, 1 already followed" in bare.text

    big = await e.post("/settings/import", {"csv": upload(b"a@b.example\n" * 100_000, "big.csv")})
    assert big.status == 413 and "larger than 1024 KiB" in big.text
    many = "".join(f"user{i}@b.example\n" for i in range(5001)).encode()
    assert (await e.post("/settings/import", {"csv": upload(many, "many.csv")})).status == 413
    empty = await e.post("/settings/import", {"csv": upload(b"Account address,Show boosts\n", "e.csv")})
    assert empty.status == 422 and "lists no accounts" in empty.text
    missing = await e.post("/settings/import", {"note": "no file"})
    assert missing.status == 422 and "Choose a CSV file" in missing.text
    forged = await e.post("/settings/import", {"csv": upload(b"@carol\n", "f.csv")}, csrf="0" * 64)
    assert forged.status == 403


async def test_a_slow_import_goes_on_in_the_background(fed):
    inst = await fed.start("personal.test")
    erin = await inst.user("erin")
    names = ["fay", "gus", "hal"]
    for name in names:
        await inst.user(name)
    result = await follow_import.import_follows(inst.state, erin, [(n, False) for n in names], budget=0)
    assert result.remaining == 3 and result.followed == 0
    [rest] = inst.state.background
    await rest
    for name in names:
        target = await inst.state.store.accounts.by_handle(name, None)
        assert (await inst.state.store.follows.get(erin.id, target.id)).accepted
    assert inst.state.background == set()
