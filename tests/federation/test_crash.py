"""Two real `fedi serve` processes; one is killed with SIGKILL while deliveries to it are pending."""

import asyncio
import json
import os
import signal
import subprocess
import sys

import aiohttp
import pytest
from aiohttp.test_utils import unused_port

from fedi.activitypub.vocab import AP_ACCEPT, PUBLIC

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def cli(config, *args, stdin=None):
    result = subprocess.run([sys.executable, "-m", "fedi", "--config", str(config), *args],
                            capture_output=True, text=True, input=stdin, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


class Proc:
    def __init__(self, tmp_path, name, kind):
        self.port = unused_port()
        self.base = f"http://localhost:{self.port}"
        self.config = tmp_path / f"{name}.toml"
        cli(self.config, "init", "--base-url", self.base, "--kind", kind, "--name", name)
        text = self.config.read_text().replace("allow_private_addresses = false", "allow_private_addresses = true")
        self.config.write_text(text)
        self.log = open(tmp_path / f"{name}.log", "w")
        self.proc = None

    async def start(self):
        env = {**os.environ, "FEDI_LOG": "WARNING"}
        self.proc = subprocess.Popen([sys.executable, "-m", "fedi", "--config", str(self.config), "serve"],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        async with aiohttp.ClientSession() as s:
            for _ in range(200):
                try:
                    async with s.get(f"{self.base}/.well-known/nodeinfo") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("server did not start")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


async def _post(session, proc, user, token, activity):
    async with session.post(f"{proc.base}/users/{user}/outbox", data=json.dumps(activity),
                            headers={"Authorization": f"Bearer {token}",
                                     "Content-Type": "application/activity+json"}) as r:
        assert r.status == 201, await r.text()
        return r.headers["Location"]


async def _inbox(session, proc, user, token):
    async with session.get(f"{proc.base}/users/{user}/inbox?page=true",
                           headers={"Authorization": f"Bearer {token}", "Accept": AP_ACCEPT}) as r:
        return (await r.json(content_type=None))["orderedItems"]


async def _eventually(fn, timeout):
    end = asyncio.get_running_loop().time() + timeout
    while True:
        result = await fn()
        if result:
            return result
        if asyncio.get_running_loop().time() > end:
            raise AssertionError("timed out")
        await asyncio.sleep(0.2)


async def test_kill_9_with_pending_deliveries(tmp_path):
    personal = Proc(tmp_path, "personal", "personal")
    pro = Proc(tmp_path, "pro", "professional")
    cli(personal.config, "account", "create", "alice", "--email", "alice@example.com", stdin="password123\n")
    cli(pro.config, "account", "create", "bob", "--email", "bob@example.com", "--password", "password123")
    alice_token = cli(personal.config, "token", "create", "alice")
    bob_token = cli(pro.config, "token", "create", "bob")
    try:
        await personal.start()
        await pro.start()
        async with aiohttp.ClientSession() as s:
            follow = await _post(s, personal, "alice", alice_token,
                                 {"type": "Follow", "object": f"{pro.base}/users/bob"})
            await _eventually(lambda: _has(s, pro, "bob", bob_token, "Follow"), 10)
            await _post(s, pro, "bob", bob_token, {"type": "Accept", "object": follow})
            await _post(s, pro, "bob", bob_token, {"type": "Follow", "object": f"{personal.base}/users/alice"})
            await _eventually(lambda: _has(s, personal, "alice", alice_token, "Accept"), 10)

            note = await _post(s, pro, "bob", bob_token, {
                "type": "Note", "content": "for my connections", "to": [f"{pro.base}/users/bob/followers"]})
            await _eventually(lambda: _has(s, personal, "alice", alice_token, "Create"), 10)

            pro.kill9()
            sent = []
            for n in range(3):
                sent.append(await _post(s, personal, "alice", alice_token, {
                    "type": "Note", "content": f"while you were gone {n}", "to": [PUBLIC],
                    "cc": [f"{personal.base}/users/alice/followers"]}))
            await _post(s, personal, "alice", alice_token, {"type": "Like", "object": note.removesuffix("/activity")})
            await asyncio.sleep(1.5)  # the first attempts fail against the dead peer
            await pro.start()

            async def all_arrived():
                items = await _inbox(s, pro, "bob", bob_token)
                ids = {i["id"] for i in items}
                return all(a in ids for a in sent) and any(i["type"] == "Like" for i in items)

            # The first retry comes after the first backoff step (about 16-26 s).
            assert await _eventually(all_arrived, 60)
    finally:
        personal.stop()
        pro.stop()


async def _has(session, proc, user, token, kind):
    return any(i["type"] == kind for i in await _inbox(session, proc, user, token))
