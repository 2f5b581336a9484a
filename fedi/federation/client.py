"""Outgoing HTTP client for every federation request.

Only http(s) URLs to public unicast addresses are allowed (unless configured
otherwise). Resolved addresses are checked inside the connector's resolver, on
exactly the addresses about to be connected to, so DNS rebinding between check
and connect is impossible. Redirects are followed by hand so every hop is
validated and re-signed. Bodies are capped; each request has a total deadline.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import aiohttp
import aiohttp.abc
from multidict import CIMultiDict
from yarl import URL

from fedi import safejson
from fedi.activitypub.vocab import AP_ACCEPT
from fedi.federation.addresses import (  # noqa: F401 - StaticResolver is part of this module's API
    IPAddress, StaticResolver, _GuardedResolver, _parse_ip, _ResolutionRefused, is_forbidden_address,
)

Signer = Callable[[str, str, dict[str, str], bytes | None], dict[str, str]]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ALLOWED_SCHEMES = frozenset({"http", "https"})
_READ_CHUNK = 64 * 1024


class FetchError(Exception):
    """A remote request failed; ``status`` is the HTTP status if the peer answered."""

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class RefusedAddress(FetchError):
    """The URL or the address it resolves to is not allowed."""


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait according to a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        try:
            return float(int(value))
        except (ValueError, OverflowError):
            return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class HttpClient:
    """Hardened client for all outgoing federation traffic."""

    def __init__(
        self,
        *,
        user_agent: str,
        allow_private_addresses: bool = False,
        resolver: aiohttp.abc.AbstractResolver | None = None,
        max_body: int = 1024 * 1024,
        timeout: float = 10.0,
        max_redirects: int = 3,
        limit: int = 512,
        limit_per_host: int = 8,
        ssl_context: ssl.SSLContext | None = None,
        allowed_networks: Iterable[str] = (),
    ) -> None:
        self.user_agent = user_agent
        self.allow_private_addresses = allow_private_addresses
        self.max_body = max_body
        self.timeout = timeout
        self.max_redirects = max_redirects
        self._inner_resolver = resolver
        self._limit = limit
        self._limit_per_host = limit_per_host
        self._ssl_context = ssl_context
        # Networks permitted even though they are not public (e.g. a peer on the LAN).
        self._allowed_networks = tuple(
            ipaddress.ip_network(n, strict=False) for n in allowed_networks
        )
        self._session: aiohttp.ClientSession | None = None
        self._resolver: _GuardedResolver | None = None

    async def start(self) -> None:
        if self._session is not None:
            return
        inner = self._inner_resolver
        owns_inner = inner is None
        if inner is None:
            inner = aiohttp.DefaultResolver()
        self._resolver = _GuardedResolver(inner, self.address_allowed, owns_inner)
        connector = aiohttp.TCPConnector(
            resolver=self._resolver,
            limit=self._limit,
            limit_per_host=self._limit_per_host,
            ssl=self._ssl_context if self._ssl_context is not None else True,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={"User-Agent": self.user_agent},
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeout),
            trust_env=False,
            raise_for_status=False,
        )

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        resolver, self._resolver = self._resolver, None
        if resolver is not None:
            await resolver.close()

    async def __aenter__(self) -> HttpClient:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def address_allowed(self, address: str) -> bool:
        """Whether connecting to the IP ``address`` is permitted."""
        if self.allow_private_addresses:
            return True
        ip = _parse_ip(address.split("%", 1)[0])
        if ip is None:
            return False
        if any(ip.version == net.version and ip in net for net in self._allowed_networks):
            return True
        return not is_forbidden_address(ip)

    def check_url(self, url: str | URL) -> URL:
        """Parse ``url`` and refuse anything that is not a plain http(s) URL to an allowed host.

        Host names are only checked syntactically here; their addresses are
        checked when the connection is made.
        """
        try:
            parsed = url if isinstance(url, URL) else URL(url)
        except (ValueError, TypeError) as exc:
            raise RefusedAddress(f"invalid URL {url!r}: {exc}") from exc
        if parsed.scheme not in _ALLOWED_SCHEMES:
            raise RefusedAddress(f"scheme not allowed: {parsed.scheme or '(none)'}")
        host = parsed.raw_host
        if not parsed.absolute or not host:
            raise RefusedAddress(f"URL has no host: {url}")
        if parsed.raw_user is not None or parsed.raw_password is not None:
            raise RefusedAddress("URL must not contain credentials")
        try:
            parsed.port
        except ValueError as exc:
            raise RefusedAddress(f"invalid port in {url!r}") from exc
        literal = _parse_ip(host.replace("%25", "%"))
        if literal is None:
            literal = self._legacy_ipv4(host)
        if literal is not None and not self.address_allowed(str(literal)):
            raise RefusedAddress(f"address not allowed: {host}")
        return parsed.with_fragment(None)

    @staticmethod
    def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
        """Decode numeric IPv4 forms such as ``2130706433`` or ``0x7f.1``."""
        if not host or any(c not in "0123456789abcdefx." for c in host.lower()):
            return None
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        signer: Signer | None = None,
        timeout: float | None = None,
        max_body: int | None = None,
        follow_redirects: bool = True,
    ) -> Response:
        """Send a request; non-2xx responses are returned, failures raise FetchError.

        Redirects are followed only for GET and HEAD (when ``follow_redirects``);
        for other methods the 3xx response is returned.
        """
        if self._session is None:
            raise FetchError("HTTP client is not started")
        method = method.upper()
        deadline = self.timeout if timeout is None else timeout
        limit = self.max_body if max_body is None else max_body
        try:
            async with asyncio.timeout(deadline):
                return await self._request(
                    method, url, headers or {}, body, signer, limit,
                    follow_redirects and method in ("GET", "HEAD"),
                )
        except FetchError:
            raise
        except TimeoutError as exc:
            raise FetchError(f"{method} {url}: timed out after {deadline:g}s") from exc
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, _ResolutionRefused):
                raise RefusedAddress(f"{method} {url}: {exc.os_error}") from exc
            raise FetchError(f"{method} {url}: cannot connect: {exc.os_error}") from exc
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise FetchError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
        except Exception as exc:  # the contract is FetchError only
            raise FetchError(f"{method} {url}: unexpected {type(exc).__name__}: {exc}") from exc

    async def _request(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None,
        signer: Signer | None, limit: int, follow: bool,
    ) -> Response:
        assert self._session is not None
        current = self.check_url(url)
        hops = 0
        while True:
            send_headers = dict(headers)
            if signer is not None:
                try:
                    send_headers = dict(signer(method, str(current), dict(headers), body))
                except Exception as exc:
                    raise FetchError(f"signing {method} {current} failed: {exc}") from exc
            async with self._session.request(
                method, current, headers=send_headers, data=body, allow_redirects=False
            ) as resp:
                location = resp.headers.get("Location")
                if follow and resp.status in REDIRECT_STATUSES and location:
                    if hops >= self.max_redirects:
                        raise FetchError(
                            f"too many redirects (>{self.max_redirects}) from {url}",
                            status=resp.status,
                        )
                    try:
                        target = current.join(URL(location))
                    except ValueError as exc:
                        raise RefusedAddress(f"invalid redirect target {location!r}") from exc
                    current = self.check_url(target)
                    hops += 1
                    continue
                data = b"" if method == "HEAD" else await self._read_body(resp, limit)
                return Response(
                    status=resp.status,
                    headers=CIMultiDict(resp.headers),
                    body=data,
                    url=str(current),
                )

    @staticmethod
    async def _read_body(resp: aiohttp.ClientResponse, limit: int) -> bytes:
        length = resp.content_length
        if length is not None and length > limit:
            raise FetchError(
                f"response from {resp.url} too large ({length} > {limit} bytes)", status=resp.status
            )
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = await resp.content.read(_READ_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise FetchError(
                    f"response from {resp.url} exceeds {limit} bytes", status=resp.status
                )
            chunks.append(chunk)
        return b"".join(chunks)

    async def get_json(
        self,
        url: str,
        *,
        accept: str = AP_ACCEPT,
        signer: Signer | None = None,
        content_types: tuple[str, ...] = ("application/activity+json", "application/ld+json"),
    ) -> tuple[str, dict]:
        """GET a JSON object; returns ``(final_url, document)``."""
        resp = await self.request("GET", url, headers={"Accept": accept}, signer=signer)
        if not 200 <= resp.status < 300:
            retry_after = None
            if resp.status in (429, 503):
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            raise FetchError(
                f"GET {url}: HTTP {resp.status}", status=resp.status, retry_after=retry_after
            )
        media = resp.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if media not in {t.lower() for t in content_types}:
            raise FetchError(
                f"GET {url}: unexpected content type {media or '(none)'}", status=resp.status
            )
        try:
            document = safejson.loads(resp.body)
        except safejson.JsonError as exc:
            raise FetchError(f"GET {url}: unusable JSON: {exc}", status=resp.status) from None
        if not isinstance(document, dict):
            raise FetchError(f"GET {url}: JSON document is not an object", status=resp.status)
        return resp.url, document
