"""OAuth 2 for client apps: registration, authorization codes, token grants, revocation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from fedi.ids import new_id
from fedi.models import Account, App, AuthCode
from fedi.services.accounts import authenticate, hash_token
from fedi.services.errors import ServiceError
from fedi.services.memory import RateWindow
from fedi.services.state import State
from fedi.urls import split_url

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_TTL = 600.0
GRANT_TYPES = ["authorization_code", "password", "client_credentials"]
_READ = ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists", "mutes",
         "notifications", "search", "statuses")
_WRITE = ("accounts", "blocks", "bookmarks", "conversations", "favourites", "filters", "follows",
          "lists", "media", "mutes", "notifications", "reports", "statuses")
_ADMIN = ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks", "email_domain_blocks",
          "canonical_email_blocks")
SCOPES = ["read", "write", "follow", "push", "profile",
          *(f"read:{s}" for s in _READ), *(f"write:{s}" for s in _WRITE),
          "admin:read", "admin:write", *(f"admin:read:{s}" for s in _ADMIN),
          *(f"admin:write:{s}" for s in _ADMIN)]
KNOWN_SCOPES = frozenset(SCOPES)
FOLLOW_SCOPES = frozenset({"read:follows", "write:follows", "read:blocks", "write:blocks",
                           "read:mutes", "write:mutes"})
SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
PKCE_RE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
UNSAFE_SCHEMES = {"javascript", "data", "vbscript", "file", "about", "blob"}


class OAuthError(ServiceError):
    """An OAuth protocol error: `error` is the RFC 6749 code, `message` its description."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description, status)
        self.error = error


class AuthorizeError(OAuthError):
    """An authorization request error; `request` is set once the redirect URI is known to be safe."""

    def __init__(self, error: str, description: str, request: AuthRequest | None = None):
        super().__init__(error, description, 400)
        self.request = request


# Scopes and redirect URIs ------------------------------------------------------------

def split_scopes(value) -> list[str]:
    """Scopes given as a space-separated string or a list, de-duplicated in order."""
    items = value if isinstance(value, list) else [value or ""]
    out: list[str] = []
    for item in items:
        for scope in str(item).split():
            if scope not in out:
                out.append(scope)
    return out


def covers(granted, needed: str) -> bool:
    """`read` covers `read:*`, `admin:read` covers `admin:read:*`, `follow` the follow scopes."""
    if needed in granted:
        return True
    parent = needed.rpartition(":")[0]
    if parent and parent != "admin" and parent in granted:
        return True
    return "follow" in granted and needed in FOLLOW_SCOPES


def check_redirect_uri(uri: str) -> None:
    if uri == OOB:
        return
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in uri) or not uri.isascii():
        raise ServiceError(f"redirect_uris: {uri!r} must be an absolute URI without spaces or control characters")
    parts = split_url(uri)
    if parts is None:
        raise ServiceError(f"redirect_uris: {uri!r} must be an absolute URI")
    scheme = parts.scheme.lower()
    if not SCHEME_RE.match(parts.scheme or "") or scheme in UNSAFE_SCHEMES or len(uri) > 2000:
        raise ServiceError(f"redirect_uris: {uri!r} must be an absolute URI")
    if parts.fragment or "#" in uri:
        raise ServiceError(f"redirect_uris: {uri!r} must not contain a fragment")
    if scheme in ("http", "https") and not parts.hostname:
        raise ServiceError(f"redirect_uris: {uri!r} must name a host")
    if not (parts.netloc or parts.path):
        raise ServiceError(f"redirect_uris: {uri!r} must be an absolute URI")


def parse_redirect_uris(values: list) -> list[str]:
    uris: list[str] = []
    for value in values:
        for uri in str(value).split():
            if uri not in uris:
                uris.append(uri)
    uris = uris or [OOB]
    if len(uris) > 20:
        raise ServiceError("redirect_uris: too many URIs")
    for uri in uris:
        check_redirect_uri(uri)
    return uris


# Applications ------------------------------------------------------------------------

async def register_app(state: State, name, redirect_uris: list, scopes, website) -> App:
    name = str(name or "").strip()
    if not name:
        raise ServiceError("client_name: can't be blank")
    if len(name) > 60:
        raise ServiceError("client_name: is too long (maximum is 60 characters)")
    uris = parse_redirect_uris(redirect_uris)
    wanted = split_scopes(scopes) or ["read"]
    unknown = [s for s in wanted if s not in KNOWN_SCOPES]
    if unknown:
        raise ServiceError(f"scopes: unknown scope {' '.join(unknown)!r}")
    website = str(website or "").strip() or None
    if website and (getattr(split_url(website), "scheme", None) not in ("http", "https") or len(website) > 2000):
        raise ServiceError("website: must be an http or https URL")
    app = App(id=new_id(), name=name, redirect_uris="\n".join(uris), scopes=" ".join(wanted),
              client_id=secrets.token_urlsafe(32), client_secret=secrets.token_urlsafe(32),
              website=website, created_at=time.time())
    await state.store.apps.insert(app)
    return app


async def app_for_token(state: State, app_id: str | None) -> App | None:
    return await state.store.apps.get(app_id) if app_id else None


async def client(state: State, client_id, client_secret, *, secret_required: bool = True) -> App:
    """The calling app; a secret, when given (or required), must match."""
    app = await state.store.apps.by_client_id(str(client_id)) if client_id else None
    given = str(client_secret or "")
    checked = given or secret_required
    if app is None or (checked and not hmac.compare_digest(given.encode(), app.client_secret.encode())):
        raise OAuthError("invalid_client", "Client authentication failed due to unknown client, "
                         "no client authentication included, or unsupported authentication method.", 401)
    return app


def granted_scopes(app: App, requested) -> list[str]:
    wanted = split_scopes(requested) or app.scopes.split()
    allowed = set(app.scopes.split())
    if any(s not in KNOWN_SCOPES or not covers(allowed, s) for s in wanted):
        raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
    return wanted


# Authorization requests and codes ----------------------------------------------------

@dataclass
class AuthRequest:
    app: App
    redirect_uri: str
    scopes: list[str]
    state: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None

    def fields(self) -> dict:
        """What the consent form carries back in hidden fields."""
        found = {"response_type": "code", "client_id": self.app.client_id, "redirect_uri": self.redirect_uri,
                 "scope": " ".join(self.scopes), "state": self.state, "code_challenge": self.code_challenge,
                 "code_challenge_method": self.code_challenge_method}
        return {k: v for k, v in found.items() if v}

    def redirect(self, **query) -> str:
        parts = urlsplit(self.redirect_uri)
        extra = urlencode({k: v for k, v in query.items() if v is not None})
        return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


async def authorization_request(state: State, p: dict) -> AuthRequest:
    """Validate /oauth/authorize parameters; never trusts an unregistered redirect URI."""
    app = await state.store.apps.by_client_id(str(p.get("client_id") or ""))
    if app is None:
        raise AuthorizeError("invalid_client", "The client application is unknown.")
    uri = str(p.get("redirect_uri") or "")
    registered = app.redirect_list
    if not uri and len(registered) == 1:
        uri = registered[0]
    if uri not in registered:
        raise AuthorizeError("invalid_request", "The redirect URI is not registered for this application.")
    req = AuthRequest(app=app, redirect_uri=uri, scopes=[], state=str(p["state"]) if p.get("state") else None)
    if p.get("response_type") != "code":
        raise AuthorizeError("unsupported_response_type", "Only response_type=code is supported.", req)
    try:
        req.scopes = granted_scopes(app, p.get("scope"))
    except OAuthError as exc:
        raise AuthorizeError(exc.error, exc.message, req) from None
    challenge, method = p.get("code_challenge") or None, p.get("code_challenge_method") or None
    if challenge is None and method is not None:
        raise AuthorizeError("invalid_request", "code_challenge_method needs a code_challenge.", req)
    if challenge is not None:
        method = method or "plain"
        if method not in ("S256", "plain") or not PKCE_RE.match(str(challenge)):
            raise AuthorizeError("invalid_request", "The code challenge or its method is invalid.", req)
        req.code_challenge, req.code_challenge_method = str(challenge), method
    return req


async def issue_code(state: State, req: AuthRequest, account: Account) -> str:
    code = secrets.token_urlsafe(32)
    await state.store.auth_codes.insert(AuthCode(
        code_hash=hash_token(code), app_id=req.app.id, account_id=account.id, redirect_uri=req.redirect_uri,
        scopes=" ".join(req.scopes), expires_at=time.time() + CODE_TTL,
        code_challenge=req.code_challenge, code_challenge_method=req.code_challenge_method))
    return code


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    if not PKCE_RE.match(verifier):
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        verifier = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return hmac.compare_digest(verifier.encode(), challenge.encode())


# The consent form's CSRF token and the failed-login limit ------------------------------

async def secret_key(state: State) -> bytes:
    if state.secret_key is None:
        stored = await state.store.settings.set_if_absent("secret_key", secrets.token_hex(32))
        state.secret_key = stored.encode()
    return state.secret_key


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


async def csrf_token(state: State, nonce: str) -> str:
    return hmac.new(await secret_key(state), b"oauth-authorize\0" + nonce.encode(), hashlib.sha256).hexdigest()


async def csrf_valid(state: State, nonce: str, token: str) -> bool:
    if len(nonce) < 32 or not token:
        return False
    return hmac.compare_digest((await csrf_token(state, nonce)).encode(), token.encode())


def login_limiter(state: State) -> RateWindow:
    return state.failed_logins


async def login(state: State, ip: str, username, password) -> Account | None:
    """The account for these credentials, None if wrong; 429 after too many failures from `ip`."""
    limiter = login_limiter(state)
    if limiter.blocked(ip):
        raise OAuthError("slow_down", "Too many failed log-in attempts; try again later.", 429)
    account = await authenticate(state, str(username or "").strip(), str(password or ""))
    if account is None:
        limiter.hit(ip)
    return account


# The token endpoint -------------------------------------------------------------------

async def _token(state: State, app: App, account_id: str | None, scopes: list[str]) -> dict:
    raw = secrets.token_urlsafe(32)
    await state.store.tokens.insert(new_id(), account_id, hash_token(raw), " ".join(scopes), app.id)
    return {"access_token": raw, "token_type": "Bearer", "scope": " ".join(scopes),
            "created_at": int(time.time())}


def _invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


async def _grant_code(state: State, p: dict, client_id, client_secret) -> dict:
    app = await client(state, client_id, client_secret, secret_required=False)
    if not p.get("code"):
        raise OAuthError("invalid_request", "The code parameter is missing.")
    code = await state.store.auth_codes.take(hash_token(str(p["code"])))
    if code is None or code.app_id != app.id:
        raise _invalid_grant("The authorization code is invalid, expired, or already used.")
    uri = str(p.get("redirect_uri") or "")
    if uri != code.redirect_uri and not (not uri and app.redirect_list == [code.redirect_uri]):
        raise _invalid_grant("The redirect URI does not match the one of the authorization request.")
    if code.code_challenge:
        if not pkce_matches(str(p.get("code_verifier") or ""), code.code_challenge,
                            code.code_challenge_method or "plain"):
            raise _invalid_grant("The code verifier does not match the code challenge.")
    elif not client_secret:
        raise OAuthError("invalid_client", "A client without a secret must use PKCE.", 401)
    return await _token(state, app, code.account_id, code.scopes.split())


async def _grant_password(state: State, p: dict, client_id, client_secret, ip: str) -> dict:
    app = await client(state, client_id, client_secret)
    scopes = granted_scopes(app, p.get("scope") or p.get("scopes"))
    account = await login(state, ip, p.get("username"), p.get("password"))
    if account is None:
        raise _invalid_grant("The user name or password is wrong.")
    return await _token(state, app, account.id, scopes)


async def _grant_client(state: State, p: dict, client_id, client_secret) -> dict:
    app = await client(state, client_id, client_secret)
    return await _token(state, app, None, granted_scopes(app, p.get("scope") or p.get("scopes")))


async def grant(state: State, p: dict, client_id, client_secret, ip: str) -> dict:
    """POST /oauth/token: a Token entity, or an OAuthError."""
    kind = p.get("grant_type")
    if kind == "authorization_code":
        return await _grant_code(state, p, client_id, client_secret)
    if kind == "password":
        return await _grant_password(state, p, client_id, client_secret, ip)
    if kind == "client_credentials":
        return await _grant_client(state, p, client_id, client_secret)
    if not kind:
        raise OAuthError("invalid_request", "The grant_type parameter is missing.")
    raise OAuthError("unsupported_grant_type", "The authorization grant type is not supported.")


async def revoke(state: State, client_id, client_secret, token) -> None:
    """Revoke `token` if it was issued to this client; unknown tokens are not an error (RFC 7009)."""
    app = await client(state, client_id, client_secret, secret_required=False)
    token_hash = hash_token(str(token or ""))
    found = await state.store.tokens.lookup(token_hash) if token else None
    if found is not None and found.app_id == app.id:
        await state.store.tokens.revoke(token_hash)


def server_metadata(state: State) -> dict:
    """RFC 8414 authorization server metadata."""
    base = state.urls.base
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GRANT_TYPES,
        "code_challenge_methods_supported": ["S256", "plain"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    }
