"""A live ``streamlit run app.py`` for the tests that need a real server (browser, HTTP, load).

The server runs from the project folder, so it loads the hosting configuration in
``.streamlit/config.toml`` (upload limit, XSRF, file watcher, error details): only the port, the
address and headless mode are given on the command line. Nothing else is overridden, so the tests
exercise the configuration a hosted copy runs with.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from tests.conftest import ROOT


@dataclass(frozen=True)
class LiveServer:
    """A running server: its base URL, port and process (for its memory)."""

    url: str
    port: int
    process: subprocess.Popen

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``."""
        return f"127.0.0.1:{self.port}"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, *, timeout: float = 60.0) -> None:
    """Poll ``/_stcore/health`` until it answers ``ok``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@contextlib.contextmanager
def live_server(*extra_args: str) -> Iterator[LiveServer]:
    """``streamlit run app.py`` on a free port with the project's config, healthy on entry,
    terminated on exit. ``extra_args`` are more ``--option=value`` flags (a test of a limit)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            *extra_args,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        yield LiveServer(url=url, port=port, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
