import aiohttp

from fedi.api import ratelimit


async def test_rate_limit_headers_and_429(fed, monkeypatch):
    monkeypatch.setattr(ratelimit, "LIMIT", 3)
    inst = await fed.start("personal.test")
    async with aiohttp.ClientSession() as s:
        remaining = []
        for _ in range(3):
            async with s.get(f"{inst.base}/api/v1/instance") as r:
                assert r.status == 200
                remaining.append(int(r.headers["X-RateLimit-Remaining"]))
                assert r.headers["X-RateLimit-Limit"] == "3" and r.headers["X-RateLimit-Reset"].endswith("Z")
        assert remaining == [2, 1, 0]
        async with s.get(f"{inst.base}/api/v1/instance") as r:
            assert r.status == 429 and (await r.json())["error"] == "Too many requests"
        # a token has its own budget
        await inst.user("alice")
        token = await inst.token("alice")
        async with s.get(f"{inst.base}/api/v1/instance", headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 200
        # federation and discovery are not limited by the client API's budget
        async with s.get(f"{inst.base}/.well-known/nodeinfo") as r:
            assert r.status == 200
