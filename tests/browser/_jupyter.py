"""Small helpers shared by the browser tests (test_lab.py, test_demo.py).

Nothing here imports Playwright, so a test module can import this file even where no browser is
installed (conftest.py then skips or fails the tests).

- ``chromium_path()`` / ``browser_unavailable_reason()``: is a real browser usable here?
- ``CHROMIUM_ARGS``: the flags chromium is launched with (headless, sandbox off, no network chatter).
- ``free_port()``: a free TCP port on 127.0.0.1.
- ``isolated_env(tmp)``: os.environ plus JUPYTER_* / JUPYTERLAB_* dirs inside ``tmp``, so a server never
  reads or writes the user's Jupyter config, settings, workspaces or kernelspecs.
- ``copy_chapters(dest)``: a copy of chapters/ (both editions) under ``dest``; serve the copy, never the
  repository, so autosave cannot touch tracked files.
- ``start_server(cmd, env, url, ...)``: Popen ``cmd`` in its own process group, poll ``url`` until it
  answers HTTP 200; raises with the server's log tail on exit or timeout.
- ``stop_server(proc)``: SIGTERM the process group, SIGKILL after a grace period.
- ``artifacts_dir()``: where screenshots go (env BROWSER_ARTIFACTS, default ``<repo>/browser-artifacts``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHAPTERS = REPO / "chapters"

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """Path of a chromium executable (PATH first, then Debian's /usr/bin/chromium), or None."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def browser_unavailable_reason() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    if chromium_path() is None:
        return "chromium not found (not on PATH and no /usr/bin/chromium); apt-get install -y chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as e:
        return f"playwright is not importable ({e}); pip install playwright (no `playwright install` needed)"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(tmp: Path) -> dict[str, str]:
    """A copy of os.environ whose Jupyter config/data/runtime and Lab settings/workspaces live in ``tmp``."""
    env = dict(os.environ)
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"), ("IPYTHONDIR", "ipython")):
        path = Path(tmp) / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    env.pop("JUPYTER_PATH", None)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def copy_chapters(dest: Path) -> Path:
    """Copy chapters/ (notebooks and their .py pairs, both editions) to ``dest/chapters``; return it."""
    target = Path(dest) / "chapters"
    shutil.copytree(CHAPTERS, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return target


def start_server(cmd: list[str], env: dict[str, str], url: str, log_path: Path, cwd: Path | None = None,
                 timeout: float = 60.0) -> subprocess.Popen:
    """Start ``cmd`` (output to ``log_path``) and poll ``url`` until it answers 200, else raise RuntimeError."""
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError(f"{url} did not answer within {timeout:.0f}s:\n{_tail(log_path)}")
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Terminate the server's process group (kernels included); kill it if it does not exit in ``grace`` s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(5)


def jupyter_lab_cmd(port: int, root_dir: Path, *extra: str) -> list[str]:
    """The command line of a token-less JupyterLab bound to 127.0.0.1:``port`` serving ``root_dir``."""
    return [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root_dir}",
            "--ServerApp.allow_root=True", *extra]


def artifacts_dir() -> Path:
    """Folder for screenshots: $BROWSER_ARTIFACTS or <repo>/browser-artifacts (git-ignored); created."""
    path = Path(os.environ.get("BROWSER_ARTIFACTS") or REPO / "browser-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _tail(path: Path, n: int = 4000) -> str:
    try:
        return Path(path).read_bytes()[-n:].decode(errors="replace")
    except OSError:
        return "(no log)"
