"""The client API through JavaScript client libraries, masto.js and megalodon, run by Node.js.

Each test starts a personal and a professional instance whose job workers run live, then runs
one scenario script from tests/js (see there) in a Node.js subprocess while the instances keep
serving. The script prints what the library returned as one JSON document; the checks are here.
*.test host names resolve to loopback in Node through tests/js/resolve-test-hosts.cjs.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent.parent / "js"
SCRIPT_TIMEOUT = 60.0
SCOPES = "read write follow push"


@pytest.fixture
def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.skip("Node.js is not installed (node not found on PATH); "
                    "the JavaScript client tests need it")
    if not (JS_DIR / "node_modules").is_dir():
        pytest.skip("tests/js/node_modules is missing: run `npm ci` in tests/js (scripts/test does this "
                    "when npm is installed)")
    return path


async def run_node(node: str, script: str, payload: dict) -> dict:
    """Run a scenario script without blocking the event loop that serves the instances."""
    env = dict(os.environ)
    for name in ("NO_PROXY", "no_proxy"):
        env[name] = ",".join(filter(None, [env.get(name), ".test", "127.0.0.1"]))
    argv = [node, "--require", str(JS_DIR / "resolve-test-hosts.cjs"), str(JS_DIR / script), json.dumps(payload)]
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=JS_DIR, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), SCRIPT_TIMEOUT)
    except TimeoutError:
        proc.kill()
        stdout, stderr = await proc.communicate()
        pytest.fail(f"{script} did not finish in {SCRIPT_TIMEOUT:.0f} s\n{stderr.decode()}")
    assert proc.returncode == 0, \
        f"{script} failed ({proc.returncode}):\n{stderr.decode()}\n{stdout.decode()}"
    return json.loads(stdout.decode().strip().splitlines()[-1])


async def two_instances(fed):
    personal = await fed.start("personal.test", "personal", run_workers=True)
    pro = await fed.start("pro.test", "professional", run_workers=True)
    await personal.user("alice")
    await pro.user("bob")
    payload = {
        "alice": {"url": personal.base, "username": "alice@personal.test", "password": "password123"},
        "bob": {"url": pro.base, "token": await pro.token("bob"), "acct": f"bob@{pro.domain}"},
    }
    return personal, pro, payload


async def notifications_of(inst, token: str) -> list[dict]:
    async with inst.session.get(f"{inst.base}/api/v1/notifications?limit=30",
                                headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 200
        return await resp.json()


def check_story(out: dict, personal, pro, library: str) -> None:
    """What both scenario scripts report, checked the same way."""
    alice, bob = f"alice@{personal.domain}", f"bob@{pro.domain}"
    assert out["me"]["acct"] == out["me"]["username"] == "alice"

    # three posts, the last unlisted behind a content warning; the home timeline two at a time
    first, second, third = out["posted"]
    assert first["content"] == f"<p>{library} post 1</p>" and first["visibility"] == "public"
    assert third["spoiler_text"] == "spoilers ahead" and third["visibility"] == "unlisted"
    assert len(out["homePages"][0]) == 2 and len(out["homePages"]) >= 2
    assert [i for page in out["homePages"] for i in page] == [third["id"], second["id"], first["id"]]

    # the follow of a professional account stays a request until bob authorizes it
    assert out["found"] == [bob]
    requested = {"following": False, "requested": True, "followedBy": False}
    assert out["followed"] == out["pending"] == requested
    assert out["requests"] == [alice]
    assert out["authorized"]["followedBy"] is True
    assert out["following"] == {"following": True, "requested": False, "followedBy": False}

    # bob's public post arrives on alice's user stream and in her home timeline
    assert out["streamingUrl"] == f"ws://{personal.domain}"
    assert out["bobs"]["visibility"] == "public" and out["bobs"]["acct"] == "bob"
    seen = out["seen"]
    assert seen == out["streamed"]["status"]
    assert out["streamed"]["event"] == "update"
    assert seen["uri"] == out["bobs"]["uri"] and seen["acct"] == bob
    assert seen["content"] == out["bobs"]["content"] == "<p>a public post by bob</p>"
    assert out["streamErrors"] == []

    # alice's favourite, boost and reply, and bob's notifications of them
    assert out["favourited"] == {"id": seen["id"], "favourited": True, "count": 1}
    assert out["boost"]["reblogOf"] == seen["id"] and out["boost"]["reblogged"] is True
    assert out["reply"]["in_reply_to_id"] == seen["id"] and "nice one" in out["reply"]["content"]
    notes = {n["type"]: n for n in out["bobNotifications"]}
    assert {notes[t]["acct"] for t in ("favourite", "reblog", "mention", "follow_request")} == {alice}
    assert notes["favourite"]["statusUri"] == notes["reblog"]["statusUri"] == out["bobs"]["uri"]
    assert notes["mention"]["statusUri"] == out["reply"]["uri"]


async def test_masto_js(fed, node):
    personal, pro, payload = await two_instances(fed)
    out = await run_node(node, "masto.mjs", payload)

    assert out["token"] == {"scope": SCOPES, "tokenType": "Bearer"}
    check_story(out, personal, pro, "masto.js")
    assert out["streamed"]["stream"] == ["user"]
    server_notes = await notifications_of(pro, payload["bob"]["token"])
    assert [n["id"] for n in out["bobNotifications"]] == [n["id"] for n in server_notes]
    assert out["missing"] == {"raised": True, "isHttpError": True, "statusCode": 404,
                              "message": "Record not found"}


async def test_megalodon(fed, node):
    personal, pro, payload = await two_instances(fed)
    out = await run_node(node, "megalodon.mjs", payload)

    # fedi's NodeInfo names its software "fedi" and its upstream "mastodon"
    assert out["detected"] == "mastodon"
    assert out["app"]["name"] == "megalodon e2e"
    assert out["app"]["redirectUri"] == "urn:ietf:wg:oauth:2.0:oob"
    assert out["app"]["authorizeUrl"].startswith(f"{personal.base}/oauth/authorize?")
    assert out["token"] == {"scope": SCOPES, "tokenType": "Bearer"}
    check_story(out, personal, pro, "megalodon")
    server_notes = await notifications_of(pro, payload["bob"]["token"])
    assert [n["id"] for n in out["bobNotifications"]] == [n["id"] for n in server_notes]
    assert out["missing"] == {"raised": True, "status": 404, "body": {"error": "Record not found"}}
