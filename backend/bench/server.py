"""A real `aevp serve`-style server for the benchmarks: its own process, its own process group, loopback only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from aevp.ml.spec import ModelSpec
from aevp.settings import Settings

PRETRAINED_ID = "ae-32-64-l16-mnist"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_pretrained(tmp: Path) -> Path:
    """A pretrained folder holding the default model: the shipped one, or random weights of its architecture."""
    shipped = Settings().pretrained_dir
    if (shipped / PRETRAINED_ID).is_dir():
        return shipped
    from aevp.ml import checkpoint

    root = tmp / "pretrained"
    spec = ModelSpec()
    rng = np.random.default_rng(0)
    params = {
        name: (rng.standard_normal(shape) * 0.05).astype(np.float32)
        for name, shape in checkpoint.expected_shapes(spec).items()
    }
    checkpoint.save(root, spec, params, {}, None, model_id=PRETRAINED_ID)
    return root


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started: float  # time.perf_counter() when the process was started
    ready_after_s: float = 0.0  # from start to /api/health saying ready

    @property
    def ws_url(self) -> str:
        return self.url.replace("http", "ws", 1)

    def rss_mib(self) -> float:
        """Resident memory of the server process and its children (Linux /proc), in MiB."""
        return sum(_rss_kib(pid) for pid in _tree(self.process.pid)) / 1024


    def cpu_s(self) -> dict[str, float]:
        """CPU seconds (user + system) so far of the server process ("server") and of its children, by their
        command's last word (the interactive worker: "aevp.service.inference_worker")."""
        out: dict[str, float] = {}
        for pid in _tree(self.process.pid):
            with suppress(OSError, ValueError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                name = "server" if pid == self.process.pid else command[-2].decode()
                out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return out


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        with suppress(OSError):
            for task in Path(f"/proc/{p}/task").iterdir():
                with suppress(OSError):
                    todo += [int(c) for c in (task / "children").read_text().split()]
    return pids


def _rss_kib(pid: int) -> int:
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@contextmanager
def serve(
    tmp: Path, env: dict[str, str] | None = None, *, ready_timeout_s: float = 240, settled: bool = False
) -> Iterator[Server]:
    """Start the server (a fresh models folder, the default pretrained model, no frontend) and wait for
    /api/health to say ready (with `settled`, also for its background warm-up to end); stop it by its
    process group on the way out."""
    port = free_port()
    full_env = {
        **os.environ,
        "AEVP_MODELS_DIR": str(tmp / "models"),
        "AEVP_MAPS_DIR": str(tmp / "maps"),
        "AEVP_PRETRAINED_DIR": str(default_pretrained(tmp)),
        "AEVP_FRONTEND_DIR": str(tmp / "no-frontend"),
        **(env or {}),
    }
    command = [sys.executable, "-m", "uvicorn", "aevp.service.app:create_app", "--factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning", "--ws-per-message-deflate", "false"]
    if full_env.get("AEVP_BENCH_PROFILE"):  # the same server with a thread sampler inside (bench/sampler.py)
        command[1:3] = ["-m", "bench.sampler", full_env["AEVP_BENCH_PROFILE"], "--"]
        paths = [str(Path(__file__).parents[1]), full_env.get("PYTHONPATH")]
        full_env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    log_path = tmp / "server.log"
    log = open(log_path, "wb")  # noqa: SIM115 (closed below)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp
    )
    server = Server(f"http://127.0.0.1:{port}", process, log_path, started)
    try:
        deadline = time.monotonic() + ready_timeout_s
        while True:
            with suppress(httpx.HTTPError):
                if httpx.get(server.url + "/api/health", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start; see {log_path}:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.05)
        server.ready_after_s = time.perf_counter() - started
        while settled and httpx.get(server.url + "/api/health", timeout=5).json().get("warming"):
            if time.monotonic() > deadline + ready_timeout_s:
                raise RuntimeError("the server's warm-up did not end")
            time.sleep(0.2)
        yield server
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        log.close()
