"""Which addresses outgoing requests may reach, and the resolvers that enforce it.

The check runs inside the connector's resolver, on exactly the addresses about
to be connected to, so DNS rebinding between check and connect is impossible.
`StaticResolver` maps names to loopback for several instances on one machine.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import aiohttp
import aiohttp.abc

_NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL_PREFIX = ipaddress.ip_network("64:ff9b:1::/48")
_SHARED_NETWORK = ipaddress.ip_network("100.64.0.0/10")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class _ResolutionRefused(OSError):
    """Raised by the guarded resolver; turned into RefusedAddress by the client."""


def _parse_ip(value: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64_PREFIX:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return None


def is_forbidden_address(address: str | IPAddress) -> bool:
    """True if ``address`` is not a public unicast address.

    Covers private, loopback, link-local, multicast, reserved, unspecified and
    shared (100.64.0.0/10) ranges, IPv6 unique-local and link-local, and IPv6
    addresses embedding such an IPv4 address (IPv4-mapped, NAT64, 6to4).
    Unparseable input is forbidden.
    """
    if isinstance(address, str):
        ip = _parse_ip(address.split("%", 1)[0].strip("[]"))
        if ip is None:
            return True
    else:
        ip = address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_forbidden_address(embedded)
        if ip in _NAT64_LOCAL_PREFIX:
            return True
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED_NETWORK:
        return True
    return not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local or (
        ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


class StaticResolver(aiohttp.abc.AbstractResolver):
    """Resolves names by a mapping (host -> ip) or a suffix rule.

    For running several instances on loopback: ``suffixes={".test": "127.0.0.1"}``
    resolves any ``*.test`` name to 127.0.0.1. Unknown names raise OSError.
    """

    def __init__(self, mapping: dict[str, str] | None = None,
                 suffixes: dict[str, str] | None = None) -> None:
        self._mapping = {self._normalise(k): v for k, v in (mapping or {}).items()}
        # Longest suffix wins.
        self._suffixes = sorted(
            ((s.lower(), ip) for s, ip in (suffixes or {}).items()), key=lambda i: -len(i[0])
        )

    @staticmethod
    def _normalise(host: str) -> str:
        return host.lower().rstrip(".")

    def lookup(self, host: str) -> str | None:
        name = self._normalise(host)
        if name in self._mapping:
            return self._mapping[name]
        for suffix, ip in self._suffixes:
            if name.endswith(suffix):
                return ip
        return None

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[aiohttp.abc.ResolveResult]:
        address = self.lookup(host)
        if address is None:
            raise OSError(f"cannot resolve {host!r}")
        ip = ipaddress.ip_address(address)
        fam = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        flags = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV
        return [
            aiohttp.abc.ResolveResult(
                hostname=host, host=str(ip), port=port, family=fam, proto=0, flags=flags
            )
        ]

    async def close(self) -> None:
        pass


class _GuardedResolver(aiohttp.abc.AbstractResolver):
    """Drops resolved addresses the policy forbids; fails if none remain."""

    def __init__(self, inner: aiohttp.abc.AbstractResolver, allowed: Callable[[str], bool],
                 owns_inner: bool) -> None:
        self._inner, self._allowed, self._owns_inner = inner, allowed, owns_inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[aiohttp.abc.ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        permitted = [r for r in results if self._allowed(r["host"])]
        if not permitted:
            raise _ResolutionRefused(f"{host} resolves only to disallowed addresses")
        return permitted

    async def close(self) -> None:
        if self._owns_inner:
            await self._inner.close()
