"""scripts/demo: two real `fedi serve` processes set up with people, links, a connection
request and posts; it checks everything arrived, and Ctrl-C leaves nothing running."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scripts" / "demo.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_free(port: int) -> bool:
    """Whether nothing listens on the port any more."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _processes_using(path: Path) -> list[str]:
    """Command lines of running processes that mention `path`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in cmdline:
            found.append(cmdline)
    return found


def test_demo_sets_everything_up_and_checks_it(tmp_path):
    ports = [_free_port(), _free_port()]
    done = subprocess.run(
        [sys.executable, str(DEMO), "--check", "--dir", str(tmp_path / "demo"),
         "--personal-port", str(ports[0]), "--professional-port", str(ports[1])],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Everything arrived." in out
    assert "wrote “Hi Carol, Alice told me about the platform team." in out
    assert f"http://localhost:{ports[0]}/@alice" in out and f"http://localhost:{ports[1]}/@carol" in out
    assert all(_port_free(p) for p in ports)
    assert _processes_using(tmp_path / "demo") == []


def test_ctrl_c_stops_both_servers(tmp_path):
    ports = [_free_port(), _free_port()]
    proc = subprocess.Popen(
        [sys.executable, str(DEMO), "--personal-port", str(ports[0]), "--professional-port", str(ports[1])],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp_path)})
    lines = []
    deadline = time.monotonic() + 300
    try:
        for line in proc.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line or time.monotonic() > deadline:
                break
        assert any("Press Ctrl-C" in line for line in lines), "".join(lines)
        assert not _port_free(ports[0]) and not _port_free(ports[1])  # both are serving
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "".join(lines) + rest
    assert "Both servers stopped. Demo files removed." in rest
    assert all(_port_free(p) for p in ports)
    assert _processes_using(tmp_path) == []
    assert list(tmp_path.iterdir()) == []  # the temporary demo directory is gone
