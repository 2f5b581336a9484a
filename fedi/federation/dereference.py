"""Fetching remote actors, objects and keys, signed by the instance actor.

A fetched document is only taken when its `id` is the URL it was fetched from;
otherwise it is fetched again from its own id, and that copy must agree.
Public keys for signature checks are fetched through `fedi.federation.keys`.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urldefrag

from fedi.activitypub.parse import first_type, host_of, id_of
from fedi.activitypub.rfc9421 import sign_request_rfc9421
from fedi.activitypub.signatures import sign_request
from fedi.activitypub.vocab import ACTOR_TYPES
from fedi.federation.client import FetchError, HttpClient
from fedi.federation.keys import Keys
from fedi.federation.schemes import CAVAGE, SchemeMemory
from fedi.models import Account
from fedi.services import hosts, known_accounts, remote_actors
from fedi.services.errors import NotFound, ServiceError, Unavailable
from fedi.services.state import State

log = logging.getLogger(__name__)

ACTOR_TTL = 24 * 3600
JRD_TYPES = ("application/jrd+json", "application/json")
AP_TYPES = ("application/activity+json", "application/ld+json")
SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
HTML_TYPES = ("text/html", "application/xhtml+xml")
HTML_MAX_BODY = 1024 * 1024
HTML_TIMEOUT = 10.0


class Dereferencer:
    def __init__(self, state: State, http: HttpClient, schemes: SchemeMemory):
        self.state = state
        self.http = http
        self.schemes = schemes
        self.keys = Keys(self)

    # Signing -------------------------------------------------------------------
    def sign_as_instance(self, method: str, url: str, headers: dict, body: bytes | None) -> dict:
        return sign_request(method, url, headers, body, self.state.urls.instance_key_id,
                            self.state.instance_private_key)

    def sign_as_instance_rfc9421(self, method: str, url: str, headers: dict, body: bytes | None) -> dict:
        return sign_request_rfc9421(method, url, headers, body, self.state.urls.instance_key_id,
                                    self.state.instance_private_key)

    async def get_document(self, uri: str) -> tuple[str, dict]:
        """A signed GET, RFC 9421 first unless the host is known to refuse it."""
        host = host_of(uri)
        if await self.schemes.for_get(host) == CAVAGE:
            return await self.http.get_json(uri, signer=self.sign_as_instance)
        try:
            return await self.http.get_json(uri, signer=self.sign_as_instance_rfc9421)
        except FetchError as exc:
            # 404/410, rate limits, an unavailable host and network failures say nothing
            # about the signature; any other refusal (401/403, or a 400/500 from a parser
            # that chokes on RFC 9421) gets a second knock with draft-cavage.
            if exc.status is None or exc.status in (404, 410, 429, 502, 503, 504) or exc.status < 400:
                raise
        result = await self.http.get_json(uri, signer=self.sign_as_instance)
        await self.schemes.learn(host, CAVAGE)
        return result

    def _check_allowed(self, uri: str) -> None:
        if self.state.domain_blocked(host_of(uri)):
            raise ServiceError(f"the domain of {uri} is blocked", 403)

    # Documents -----------------------------------------------------------------
    async def fetch(self, uri: str) -> dict:
        """Fetch an ActivityPub document whose id is verified against its origin."""
        uri = urldefrag(uri)[0]
        self._check_allowed(uri)
        try:
            final_url, doc = await self.get_document(uri)
        except FetchError as exc:
            if exc.status in (404, 410):
                raise NotFound(f"{uri} is gone ({exc.status})") from None
            raise Unavailable(f"could not fetch {uri}: {exc}") from None
        doc_id = id_of(doc)
        if doc_id in (uri, final_url):
            return doc
        if not doc_id or not doc_id.startswith(("http://", "https://")):
            raise Unavailable(f"{uri} has no usable id")
        # The copy claims another id: take it only from that id's own origin.
        self._check_allowed(doc_id)
        try:
            final_url, doc = await self.get_document(doc_id)
        except FetchError as exc:
            raise Unavailable(f"could not fetch {doc_id}: {exc}") from None
        if id_of(doc) not in (doc_id, final_url):
            raise Unavailable(f"{doc_id} does not match its own id")
        return doc

    async def object(self, uri: str) -> dict:
        return await self.fetch(uri)

    async def actor(self, uri: str, *, refresh: bool = False) -> Account:
        if not refresh:
            stored = await known_accounts.fresh_copy(self.state, uri, ACTOR_TTL)
            if stored is not None:
                return stored
        if self.state.urls.is_local(uri):
            raise NotFound(f"no local actor {uri}")
        doc = await self.fetch(uri)
        return await self.store_actor(doc)

    async def store_actor(self, doc: dict) -> Account:
        uri = id_of(doc)
        if first_type(doc) not in ACTOR_TYPES:
            raise Unavailable(f"{uri} is not an actor")
        return await remote_actors.store(self.state, doc)

    # Web pages -----------------------------------------------------------------
    async def fetch_html(self, url: str) -> str | None:
        """A web page (e.g. one a profile field links to), unsigned; None if it cannot be had."""
        if self.state.domain_blocked(host_of(url)):
            return None
        try:
            resp = await self.http.request("GET", url, headers={"Accept": "text/html, application/xhtml+xml"},
                                           timeout=HTML_TIMEOUT, max_body=HTML_MAX_BODY)
        except FetchError as exc:
            log.info("page %s not retrieved: %s", url, exc)
            return None
        content_type = resp.headers.get("Content-Type", "")
        media, _, params = content_type.partition(";")
        if not 200 <= resp.status < 300 or media.strip().lower() not in HTML_TYPES:
            return None
        charset = "utf-8"
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                charset = value.strip().strip('"')
        try:
            return resp.body.decode(charset, errors="replace")
        except LookupError:
            return resp.body.decode("utf-8", errors="replace")

    # Keys ----------------------------------------------------------------------
    def forget_key(self, key_id: str | None) -> None:
        self.keys.forget(key_id)

    # WebFinger -----------------------------------------------------------------
    async def _schemes(self, host: str) -> list[str]:
        known = await hosts.url_scheme(self.state, host)
        if known:
            return [known]
        if self.state.config.federation.allow_private_addresses:
            return ["https", "http"]
        return ["https"]

    async def _webfinger_links(self, username: str, host: str) -> list[dict]:
        """The links of the account's WebFinger document (https first, then http when private
        addresses are allowed, or the scheme of accounts known on that host)."""
        host = host.lower()
        self._check_allowed(f"https://{host}/")
        resource = quote(f"acct:{username}@{host}", safe=":@")
        last_error: FetchError | None = None
        for scheme in await self._schemes(host):
            url = f"{scheme}://{host}/.well-known/webfinger?resource={resource}"
            try:
                _, doc = await self.http.get_json(url, accept="application/jrd+json, application/json",
                                                  content_types=JRD_TYPES)
            except FetchError as exc:
                last_error = exc
                if exc.status is not None:
                    break
                continue
            links = doc.get("links")
            return [link for link in links if isinstance(link, dict)] if isinstance(links, list) else []
        if last_error is not None and last_error.status == 404:
            raise NotFound(f"@{username}@{host} was not found on {host}.")
        log.info("WebFinger of @%s@%s failed: %s", username, host, last_error)
        raise Unavailable(f"{host} could not be reached. Check the handle and try again.")

    async def webfinger(self, username: str, host: str) -> str:
        """The actor URI of @username@host."""
        for link in await self._webfinger_links(username, host):
            media = link.get("type")
            media = media.split(";")[0].strip() if isinstance(media, str) else ""
            href = link.get("href")
            if link.get("rel") == "self" and media in AP_TYPES and isinstance(href, str):
                return href
        raise NotFound(f"@{username}@{host} has no ActivityPub actor")

    async def subscribe_template(self, username: str, host: str) -> str:
        """The page on @username@host's server where they act on something from elsewhere
        (the OStatus subscribe template WebFinger advertises, with `{uri}` in it)."""
        for link in await self._webfinger_links(username, host):
            template = link.get("template")
            if link.get("rel") == SUBSCRIBE and isinstance(template, str) and "{uri}" in template \
                    and template.startswith(("https://", "http://")):
                return template
        raise ServiceError(f"{host} does not say how to follow people on other servers: "
                           "search for this account there instead.")
