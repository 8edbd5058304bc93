"""`make lab` starts JupyterLab for whoever runs it, root included (containers, cloud notebooks, CI).

The server runs as the current user from the repository root, with no browser, on a free loopback port,
with a random token and throw-away Jupyter config / settings / workspace / runtime directories; the test
waits for /api/status to answer 200 and then ends the whole process group, leaving no server behind.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 90  # generous: the server answered within about 3 s on a 2-core machine


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(port: int, token: str) -> int | None:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/status", headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return None


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _end_group(proc: subprocess.Popen) -> None:
    """SIGTERM the whole process group (make, jupyter and its children), SIGKILL what is left after 20 s."""
    pgid = proc.pid  # start_new_session=True: the group id is make's pid
    for sig, wait_s in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        if not _group_alive(pgid):
            break
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait_s
        while _group_alive(pgid) and time.monotonic() < deadline:
            try:
                proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def test_the_lab_recipe_allows_root_only_for_root():
    out = subprocess.run(["make", "-n", "--no-print-directory", "lab", "ARGS=--no-browser",
                          f"PYTHON={sys.executable}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    line = next(l for l in out.stdout.splitlines() if "jupyter lab" in l)
    assert "--ServerApp.ip=127.0.0.1" in line
    assert ("--ServerApp.allow_root=True" in line) == (os.geteuid() == 0)


def test_make_lab_serves_api_status_then_leaves_no_server(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "JUPYTER_RUNTIME_DIR"):
        d = tmp_path / var.lower()
        d.mkdir()
        env[var] = str(d)
    env.pop("JUPYTER_TOKEN", None)
    args = f"--no-browser --port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    log = (tmp_path / "lab.log").open("w")
    # PYTHON: the interpreter running the tests, so `make venv` finds the environment current and changes nothing
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"ARGS={args}", f"PYTHON={sys.executable}"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        status, deadline = None, time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            status = _status(port, token)
            if status is not None:
                break
            time.sleep(0.5)
        log.flush()
        output = (tmp_path / "lab.log").read_text()
        assert "Running as root is not recommended" not in output, output[-3000:]
        assert status == 200, f"/api/status answered {status!r}; make exited {proc.poll()!r}\n{output[-3000:]}"
    finally:
        _end_group(proc)
        log.close()
    assert not _group_alive(proc.pid), "a process of the lab's group is still running"
    assert _status(port, token) is None, "something still answers on the lab's port"
