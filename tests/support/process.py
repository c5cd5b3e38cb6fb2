"""``imalink serve`` as a user runs it: a real process on a free port, its memory read from /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ServerProcess:
    """A running ``imalink serve``: its base URL and process."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def memory_mb(self, field: str = "VmHWM") -> float:
        """``VmHWM`` (peak resident memory so far) or ``VmRSS`` (now), in MB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        raise AssertionError(f"no {field} for {self.pid}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> float:
        """Send ``sig`` and wait for the exit; the seconds it took."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=timeout)
        return time.monotonic() - started


def wait_until_healthy(base: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited ({process.returncode}):\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} did not become healthy:\n{log.read_text(errors='replace')}")


@contextmanager
def serve_process(database_url: str, cwd: Path, env: dict[str, str] | None = None) -> Iterator[ServerProcess]:
    """Start ``imalink serve`` on ``database_url``; stopped (SIGKILL if need be) when the block ends."""
    port = free_port()
    log = cwd / f"serve-{port}.log"
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "IMALINK_DATABASE_URL": database_url,
        "IMALINK_PORT": str(port),
        "IMALINK_LOG_LEVEL": "warning",
        **(env or {}),
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "imalink.cli", "serve"], cwd=cwd, env=environment, stdout=sink, stderr=sink
        )
    server = ServerProcess(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_healthy(server.base, process, log)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
