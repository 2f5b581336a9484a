"""Real `fedi` processes for tests: the command line, `fedi serve` processes with their
logs, and the configuration of an instance whose processes share one database."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import aiohttp
from aiohttp.test_utils import unused_port


def fedi_cli(config, *args, stdin=None) -> str:
    """Run a `fedi` command; its output (it must succeed)."""
    result = subprocess.run([sys.executable, "-m", "fedi", "--config", str(config), *args],
                            capture_output=True, text=True, input=stdin, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


class Process:
    """A `fedi` process running in the background, its output in a log file under tmp_path."""

    def __init__(self, tmp_path, config, *args):
        self.args = args
        self.config = config
        self.log = open(tmp_path / f"proc-{'-'.join(args)}-{unused_port()}.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "fedi", "--config", str(config), *args],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "FEDI_LOG": "WARNING"})

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


async def wait_up(session: aiohttp.ClientSession, url: str):
    """Wait (up to 30 s) until `url` answers 200."""
    for _ in range(300):
        try:
            async with session.get(url) as r:
                if r.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def write_config(tmp_path, name: str, base: str, port: int, url: str, *, delivery_workers: int = 2):
    """The configuration file of one process of the instance at `base` (a personal one)
    listening on `port`, its database at `url`; peers on loopback are reachable."""
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[instance]\nbase_url = "{base}"\nkind = "personal"\n'
                    f'[server]\nhost = "127.0.0.1"\nport = {port}\n'
                    f'[database]\nurl = "{url}"\npool_size = 4\n'
                    f'[federation]\nallow_private_addresses = true\n'
                    f'[delivery]\nworkers = {delivery_workers}\ntimeout = 5.0\n', encoding="utf-8")
    return path
