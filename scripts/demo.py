"""A personal and a professional fedi instance side by side on this machine, with people in them.

Run it with `scripts/demo` (which prepares .venv first). It writes both instances' files into
a fresh directory (SQLite, loopback ports), creates accounts with avatars and profiles, links
Alice's personal and professional accounts, has Bob ask Carol to connect (with a note) and
Carol approve, posts in both directions, and prints the addresses to open. Ctrl-C stops
both servers and removes the directory (unless --keep, or --dir was given).

    scripts/demo [--personal-port 8301] [--professional-port 8302] [--dir PATH] [--keep] [--check]

--check sets everything up, checks that it all arrived, and stops at once (exit status 0
when every step worked).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from PIL import Image, ImageDraw, ImageFont

PASSWORD = "demo-password"
STEP_TIMEOUT = 60.0


class DemoError(Exception):
    """A step that did not work, phrased for the person running the demo."""


# --------------------------------------------------------------------------- the cast

PEOPLE = {
    "personal": {
        "alice": {"display_name": "Alice Martin", "color": (214, 96, 77),
                  "note": "Climber, cook, occasional cellist. This is where I post about life."},
        "bob": {"display_name": "Bob Okafor", "color": (62, 130, 200),
                "note": "Photographs of bridges and the odd loaf of bread."},
    },
    "professional": {
        "alice": {"display_name": "Alice Martin", "color": (120, 80, 170),
                  "note": "Backend engineer. Work things only here."},
        "carol": {"display_name": "Carol Nguyen", "color": (40, 150, 110),
                  "note": "Engineering manager at Northwind. Hiring for the platform team."},
    },
}
PROFILES = {
    "alice": {
        "headline": "Backend engineer who likes boring, reliable systems",
        "position": "Senior Software Engineer", "organization": "Northwind", "location": "Lyon",
        "skills": ["Python", "PostgreSQL", "ActivityPub", "Observability"],
        "experience": [
            {"role": "Senior Software Engineer", "organization": "Northwind", "start": "2022-04",
             "description": "Runs the federation service and its on-call rota."},
            {"role": "Software Engineer", "organization": "Tailspin Toys", "start": "2018-09", "end": "2022-03",
             "description": "Built the order pipeline."},
        ],
        "education": [{"school": "INSA Lyon", "degree": "MSc Computer Science", "start_year": 2013,
                       "end_year": 2018}],
    },
    "carol": {
        "headline": "Engineering manager, platform team",
        "position": "Engineering Manager", "organization": "Northwind", "location": "Berlin",
        "skills": ["Hiring", "Distributed systems", "Mentoring"],
        "experience": [{"role": "Engineering Manager", "organization": "Northwind", "start": "2020-01"}],
        "education": [{"school": "TU Berlin", "degree": "Dipl.-Inf.", "start_year": 2004, "end_year": 2010}],
    },
}


def avatar(initial: str, color: tuple[int, int, int]) -> bytes:
    """A round avatar with a letter on it, as PNG."""
    img = Image.new("RGB", (256, 256), color)
    draw = ImageDraw.Draw(img)
    try:
        font = ImageFont.load_default(size=150)
    except TypeError:  # Pillow before 10.1
        font = ImageFont.load_default()
    draw.text((128, 128), initial, fill=(255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


# --------------------------------------------------------------------------- the servers

def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise DemoError("no free port on 127.0.0.1")


def fedi(config: Path, *args: str, stdin: str | None = None) -> str:
    """Run a `fedi` command for one instance; its output, or DemoError with its message."""
    done = subprocess.run([sys.executable, "-m", "fedi", "-c", str(config), *args], input=stdin,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise DemoError(f"fedi {' '.join(args[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


class Instance:
    def __init__(self, kind: str, port: int, root: Path):
        self.kind, self.port = kind, port
        self.base = f"http://localhost:{port}"
        self.domain = f"localhost:{port}"
        self.dir = root / kind
        self.config = self.dir / "fedi.toml"
        self.tokens: dict[str, str] = {}
        self.process: subprocess.Popen | None = None

    def prepare(self) -> None:
        name = "Personal (demo)" if self.kind == "personal" else "Work (demo)"
        fedi(self.config, "init", "--base-url", self.base, "--kind", self.kind, "--name", name)
        text = self.config.read_text(encoding="utf-8")
        # Two instances on one machine talk over loopback, which fedi refuses unless told.
        self.config.write_text(text.replace("allow_private_addresses = false", "allow_private_addresses = true"),
                               encoding="utf-8")
        for username in PEOPLE[self.kind]:
            fedi(self.config, "account", "create", username, "--email", f"{username}@{self.kind}.example",
                 "--password", PASSWORD)
            self.tokens[username] = fedi(self.config, "token", "create", username)

    def start(self) -> None:
        log = open(self.dir / "server.log", "ab")  # noqa: SIM115 - kept open for the child's lifetime
        self.process = subprocess.Popen([sys.executable, "-m", "fedi", "-c", str(self.config), "serve"],
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # aiohttp's clean shutdown
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --------------------------------------------------------------------------- talking to them

class Client:
    def __init__(self, session: aiohttp.ClientSession, inst: Instance, username: str):
        self.session, self.inst, self.username = session, inst, username
        self.headers = {"Authorization": f"Bearer {inst.tokens[username]}"}

    async def call(self, method: str, path: str, body=None, *, form=None, ok=(200,)):
        kwargs = {"json": body} if body is not None else {"data": form} if form is not None else {}
        async with self.session.request(method, self.inst.base + path, headers=self.headers, **kwargs) as resp:
            doc = await resp.json(content_type=None)
            if resp.status not in ok:
                raise DemoError(f"{method} {path} on {self.inst.domain} answered {resp.status}: {doc}")
            return doc

    async def find(self, acct: str) -> dict:
        found = await self.call("GET", f"/api/v2/search?q={acct}&resolve=true&type=accounts")
        if not found["accounts"]:
            raise DemoError(f"{self.inst.domain} could not find @{acct}")
        return found["accounts"][0]


async def until(what: str, check, timeout: float = STEP_TIMEOUT):
    end = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > end:
            raise DemoError(f"timed out waiting until {what}")
        await asyncio.sleep(0.25)


async def wait_up(session: aiohttp.ClientSession, inst: Instance) -> None:
    async def answers():
        if inst.process.poll() is not None:
            raise DemoError(f"the {inst.kind} server stopped; see {inst.dir / 'server.log'}")
        try:
            async with session.get(inst.base + "/api/v1/instance") as resp:
                return resp.status == 200
        except aiohttp.ClientError:
            return False
    await until(f"the {inst.kind} server answers on {inst.base}", answers)


async def populate(session: aiohttp.ClientSession, personal: Instance, pro: Instance) -> None:
    c = {(inst.kind, name): Client(session, inst, name) for inst in (personal, pro) for name in inst.tokens}
    p_alice, bob = c["personal", "alice"], c["personal", "bob"]
    w_alice, carol = c["professional", "alice"], c["professional", "carol"]

    step("Profiles and avatars")
    for (kind, name), client in c.items():
        person = PEOPLE[kind][name]
        form = aiohttp.FormData()
        form.add_field("display_name", person["display_name"])
        form.add_field("note", person["note"])
        form.add_field("avatar", avatar(person["display_name"][0], person["color"]), filename="avatar.png",
                       content_type="image/png")
        await client.call("PATCH", "/api/v1/accounts/update_credentials", form=form)
    for name in ("alice", "carol"):
        await c["professional", name].call("PATCH", "/api/v1/professional_profile", PROFILES[name])

    step("Linking Alice's personal and professional accounts")
    await p_alice.call("POST", "/api/v1/linked_accounts",
                       {"account": f"alice@{pro.domain}", "label": "Professional profile"})
    await w_alice.call("POST", "/api/v1/linked_accounts",
                       {"account": f"alice@{personal.domain}", "label": "Personal profile"})

    step("Bob follows Alice (personal: accepted at once)")
    await bob.call("POST", f"/api/v1/accounts/{(await bob.find('alice'))['id']}/follow")

    step("Bob asks Carol to connect, with a note; Carol approves and connects back")
    carol_there = await bob.find(f"carol@{pro.domain}")
    note = "Hi Carol, Alice told me about the platform team. I'd love to hear more."
    await bob.call("POST", f"/api/v1/accounts/{carol_there['id']}/follow", {"note": note})
    requests = await until("Carol sees Bob's request", lambda: carol.call("GET", "/api/v1/follow_requests"))
    request = requests[0]
    print(f"      Carol's request list: @{request['acct']} wrote “{request['follow_request']['note']}”")
    await carol.call("POST", f"/api/v1/follow_requests/{request['id']}/authorize")
    await carol.call("POST", f"/api/v1/accounts/{request['id']}/follow")
    step("Alice (work) and Carol connect on the professional instance")
    alice_at_work = await carol.find("alice")
    await carol.call("POST", f"/api/v1/accounts/{alice_at_work['id']}/follow",
                     {"note": "Welcome to the team, Alice!"})
    for r in await until("Alice sees Carol's request", lambda: w_alice.call("GET", "/api/v1/follow_requests")):
        await w_alice.call("POST", f"/api/v1/follow_requests/{r['id']}/authorize")
        await w_alice.call("POST", f"/api/v1/accounts/{r['id']}/follow")

    step("Posts in both directions")
    await until("Carol's follow of Bob is accepted", lambda: _following(carol, request["id"]))
    await carol.call("POST", "/api/v1/statuses", {"status": "We're hiring two platform engineers in Berlin "
                                                  "and Lyon. Ask me anything! #hiring", "visibility": "private"})
    await bob.call("POST", "/api/v1/statuses", {"status": f"Thanks @carol@{pro.domain}, just sent you my "
                                                "portfolio of bridge photos 🙂", "visibility": "public"})
    await p_alice.call("POST", "/api/v1/statuses", {"status": "Sunday bouldering, then far too much "
                                                    "ratatouille.", "visibility": "public"})
    await w_alice.call("POST", "/api/v1/statuses", {"status": "Our federation service passed 1M deliveries "
                                                    "a day this week.", "visibility": "private"})

    step("Checking that everything arrived")
    await until("Carol's post reaches Bob's home on the personal instance",
                lambda: _home_has(bob, "We're hiring"))
    await until("Bob's reply reaches Carol on the professional instance", lambda: _home_has(carol, "portfolio"))
    await until("Alice's work post reaches Carol", lambda: _home_has(carol, "1M deliveries"))
    for client in (p_alice, w_alice):
        await until(f"the link on {client.inst.kind} Alice is verified", lambda client=client: _verified(client))


async def _following(client: Client, account_id: str) -> bool:
    rel = await client.call("GET", f"/api/v1/accounts/relationships?id[]={account_id}")
    return bool(rel and rel[0]["following"])


async def _home_has(client: Client, text: str) -> bool:
    return any(text in s["content"] for s in await client.call("GET", "/api/v1/timelines/home"))


async def _verified(client: Client) -> bool:
    links = await client.call("GET", "/api/v1/linked_accounts")
    return bool(links) and all(link["verified_at"] for link in links)


def step(text: str) -> None:
    print(f"  • {text}", flush=True)


def summary(personal: Instance, pro: Instance) -> str:
    lines = ["", "Open these in a browser (sign in with any username below and the password "
             f"“{PASSWORD}”):", ""]
    for inst, title in ((personal, "Personal instance"), (pro, "Professional instance")):
        lines.append(f"  {title}: {inst.base}/")
        for name in inst.tokens:
            lines.append(f"    @{name:<6} {inst.base}/@{name}")
        lines.append("")
    lines += [f"  Alice's linked accounts:     {personal.base}/settings/links (signed in as alice)",
              f"  Carol's connections:         {pro.base}/connections (signed in as carol)",
              f"  Alice's professional editor: {pro.base}/settings/professional (signed in as alice)",
              f"  Bob's profile seen from work: {pro.base}/@bob@{personal.domain}",
              f"  Alice (work) seen from home: {personal.base}/@alice@{pro.domain}",
              "", f"  Mastodon apps: server {personal.base} or {pro.base}."]
    return "\n".join(lines)


# --------------------------------------------------------------------------- running it

async def run(args) -> int:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    root = Path(args.dir).resolve() if args.dir else Path(tempfile.mkdtemp(prefix="fedi-demo-"))
    if root.exists() and any(root.iterdir()):
        raise DemoError(f"{root} is not empty; give an empty or new directory")
    personal = Instance("personal", free_port(args.personal_port), root)
    pro = Instance("professional", free_port(args.professional_port), root)
    try:
        print(f"Setting up in {root}", flush=True)
        for inst in (personal, pro):
            inst.prepare()
            inst.start()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            for inst in (personal, pro):
                await wait_up(session, inst)
            step(f"Personal instance on {personal.base}, professional instance on {pro.base}")
            work = asyncio.ensure_future(populate(session, personal, pro))
            stop_wait = asyncio.ensure_future(stopping.wait())
            await asyncio.wait({work, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
            if not work.done():
                work.cancel()
                print("\nStopped before the demo was set up.")
                return 130
            stop_wait.cancel()
            work.result()
        print(summary(personal, pro), flush=True)
        if args.check:
            print("\nEverything arrived. Stopping (--check).")
            return 0
        print(f"\nServer logs: {personal.dir / 'server.log'}, {pro.dir / 'server.log'}")
        print("Press Ctrl-C to stop both servers.", flush=True)
        await stopping.wait()
        print("\nStopping…", flush=True)
        return 0
    finally:
        for inst in (personal, pro):
            inst.stop()
        if not args.keep and not args.dir:
            shutil.rmtree(root, ignore_errors=True)
        print("Both servers stopped." + ("" if args.keep or args.dir else " Demo files removed."), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description="A personal and a professional fedi instance, side by side.")
    parser.add_argument("--personal-port", type=int, default=8301)
    parser.add_argument("--professional-port", type=int, default=8302)
    parser.add_argument("--dir", help="where to keep the instances' files (kept afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the files of a temporary directory")
    parser.add_argument("--check", action="store_true", help="set up, check, and stop at once")
    args = parser.parse_args()
    try:
        return asyncio.run(run(args))
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
