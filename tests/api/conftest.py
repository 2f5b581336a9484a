"""Client API tests drive real instances with the Mastodon.py library (run in a thread,
since it is synchronous), resolving *.test names to loopback."""

import asyncio
import socket

import pytest
from mastodon import Mastodon

_real_getaddrinfo = socket.getaddrinfo


def _loopback_getaddrinfo(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".test"):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def test_dns(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _loopback_getaddrinfo)


def client(inst, token: str | None = None, **kwargs) -> Mastodon:
    return Mastodon(api_base_url=inst.base, access_token=token, version_check_mode="none", **kwargs)


async def call(fn, *args, **kwargs):
    """Run a synchronous Mastodon.py call without blocking the servers' event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


async def req(inst, method, path, token=None, **kwargs):
    """(status, JSON body) of a raw request."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with inst.session.request(method, inst.base + path, headers=headers, **kwargs) as resp:
        return resp.status, await resp.json(content_type=None)


@pytest.fixture
async def site(fed):
    """personal.test with alice and bob: their tokens (`tokens`) and Mastodon.py clients (`clients`)."""
    inst = await fed.start("personal.test")
    for name in ("alice", "bob"):
        await inst.user(name)
    inst.tokens = {name: await inst.token(name) for name in ("alice", "bob")}
    inst.clients = {name: client(inst, token) for name, token in inst.tokens.items()}
    return inst
