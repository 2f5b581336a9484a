"""Signing in and out of the web pages: sessions, CSRF and the security headers."""

from fedi.services import accounts
from fedi.web.security import CSRF_COOKIE, SESSION_COOKIE


async def test_sign_in_and_out_with_csrf(fed, browser_for):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    b = browser_for(inst)
    page = await b.get("/auth/sign_in")
    assert page.status == 200 and 'name="password"' in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    [csrf_cookie] = [c for c in page.set_cookies if c.startswith(CSRF_COOKIE + "=")]
    assert "HttpOnly" in csrf_cookie and "SameSite=Lax" in csrf_cookie

    wrong = await b.post("/auth/sign_in", {"login": "alice", "password": "not it"})
    assert wrong.status == 401 and "Wrong e-mail, username or password" in wrong.text
    forged = await b.post("/auth/sign_in", {"login": "alice", "password": "password123"}, csrf="x" * 64)
    assert forged.status == 403 and b.cookie(SESSION_COOKIE) is None

    await b.get("/auth/sign_in")
    home = await b.post("/auth/sign_in", {"login": "alice@personal.test", "password": "password123",
                                          "next": "/@alice"})
    assert home.status == 200 and home.url.endswith("/@alice") and "Sign out" in home.text
    [session] = [c for c in home.set_cookies if c.startswith(SESSION_COOKIE + "=")]
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" not in session  # http here
    raw = b.cookie(SESSION_COOKIE)
    assert await inst.state.store.sessions.get(accounts.hash_token(raw)) is not None  # only the hash is kept

    out = await b.post("/auth/sign_out", {})
    assert out.status == 200 and "You are signed out." in out.text and "Sign out" not in out.text
    assert await inst.state.store.sessions.get(accounts.hash_token(raw)) is None


async def test_unapproved_accounts_cannot_sign_in(fed, browser_for):
    inst = await fed.start("pro.test", "professional")
    await inst.user("zed", approved=False)
    b = browser_for(inst)
    page = await b.sign_in("zed", "password123")
    assert page.status == 403 and "waiting for a moderator" in page.text


async def test_static_files_and_open_redirects(fed, browser_for):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    b = browser_for(inst)
    css = await b.get("/static/style.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    assert (await b.get("/static/avatar.png")).status == 200
    assert (await b.get("/static/../fedi.toml")).status in (403, 404)
    await b.get("/auth/sign_in")
    away = await b.post("/auth/sign_in", {"login": "alice", "password": "password123",
                                          "next": "//evil.example/"}, follow=False)
    assert away.status == 303 and away.headers["Location"] == "/home"
    missing = await b.get("/no/such/page", headers={"Accept": "text/html"})
    assert missing.status == 404 and "<h1>Not found</h1>" in missing.text and "Sign out" in missing.text
    api_missing = await b.get("/api/v1/no_such_thing", headers={"Accept": "text/html"})
    assert api_missing.status == 404 and api_missing.headers["Content-Type"].startswith("application/json")
