"""Every client API route answers bad input with a 4xx and a JSON error, never a 500."""

import json

import aiohttp

GARBAGE = [
    {},
    {"id": "abc", "limit": "lots", "max_id": "'; DROP TABLE statuses; --", "status": "x" * 10},
    {"status": {"nested": [1, 2]}, "visibility": ["public"], "media_ids": "not-a-list", "poll": "yes"},
]


def _concrete(path: str) -> str:
    return (path.replace("{id:\\d+}", "1234567890").replace("{hashtag}", "tag%00")
            .replace("{name}", "..%2F..%2Fetc%2Fpasswd"))


async def test_no_route_answers_500(fed):
    inst = await fed.start("personal.test")
    await inst.user("alice")
    token = await inst.token("alice")
    routes = set()
    for resource in inst.app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter")
        if path and path.startswith(("/api/", "/oauth/")) and "streaming" not in path:
            for route in resource:
                if route.method != "HEAD":
                    routes.add((route.method, _concrete(path)))
    assert len(routes) > 80
    async with aiohttp.ClientSession() as s:
        for method, path in sorted(routes):
            for auth in ({}, {"Authorization": f"Bearer {token}"}):
                for body in GARBAGE:
                    kwargs = {"headers": auth}
                    if method == "GET":
                        kwargs["params"] = {k: str(v) for k, v in body.items()}
                    else:
                        kwargs["data"] = json.dumps(body)
                        kwargs["headers"] = {**auth, "Content-Type": "application/json"}
                    async with s.request(method, inst.base + path, **kwargs) as r:
                        text = await r.text()
                        assert r.status < 500, f"{method} {path} {body} -> {r.status} {text[:200]}"
                async with s.request(method, inst.base + path, data="{not json",
                                     headers={**auth, "Content-Type": "application/json"}) as r:
                    assert r.status < 500, f"{method} {path} bad JSON -> {r.status}"
