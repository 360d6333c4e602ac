"""A real local Ray cluster for tests: a head and a second node, each `ray start --block` in its own process group.

Stopped by their process groups (never `ray stop`, which would stop every cluster on the machine): SIGTERM,
then SIGKILL for what is left (`--block` ignores SIGTERM once its children have ended).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAY = str(Path(sys.executable).parent / "ray")
# For the head and the driver: Ray then takes 127.0.0.1 as this machine's address, where the nodes listen,
# rather than the first interface's (eth0).
ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
OBJECT_STORE = "100000000"
# The ray CLI for a joining node on this one machine. With RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 in its environment
# (which its agents and workers inherit, so that they too take 127.0.0.1 as this machine's address) the CLI
# refuses to join a cluster, and it swaps the loopback address it is given for eth0's, where the head does not
# listen: both are turned off in the CLI process only.
JOIN_CLI = [
    sys.executable,
    "-c",
    "import ray._private.ray_constants as c, ray._private.services as s; c.ENABLE_RAY_CLUSTER = True; "
    "s.resolve_ip_for_localhost = lambda host: host; from ray.scripts.scripts import main; main()",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RayCluster:
    def __init__(self, nodes: int = 2, cpus_per_node: int = 1) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.client_port = free_port()
        self.client_address = f"ray://127.0.0.1:{self.client_port}"  # Ray's client server on the head
        self.temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
        self.nodes, self.cpus = nodes, cpus_per_node
        self.procs: list[subprocess.Popen] = []
        self.env = {**os.environ, **ENV}

    def _start(self, *args: str, env: dict[str, str] | None = None, cli: list[str] | None = None) -> None:
        log = open(Path(self.temp) / f"node-{len(self.procs)}.log", "wb")  # noqa: SIM115 (closed with the process)
        common = ["--block", "--node-ip-address", "127.0.0.1", "--num-cpus", str(self.cpus)]
        common += ["--object-store-memory", OBJECT_STORE]
        self.procs.append(
            subprocess.Popen(
                [*(cli or [RAY]), "start", *args, *common], env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def start(self, timeout_s: float = 120.0) -> RayCluster:
        self._start(
            "--head", "--port", str(self.port), "--include-dashboard", "false", "--temp-dir", self.temp,
            "--ray-client-server-port", str(self.client_port),
        )
        self._wait_port(timeout_s)
        for _ in range(self.nodes - 1):
            self._start("--address", self.address, cli=JOIN_CLI)
        return self

    def _wait_port(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.procs[0].poll() is not None:
                raise RuntimeError(f"the Ray head exited: {self.log()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"the Ray head did not start: {self.log()}")

    def connect(self, timeout_s: float = 120.0) -> None:
        """Connects this process as a driver (the service reuses it) and waits for every node."""
        os.environ.update(ENV)  # before Ray reads it, on import
        import ray

        ray.init(address=self.address, namespace="aevp", log_to_driver=False, configure_logging=False)
        deadline = time.monotonic() + timeout_s
        while sum(1 for n in ray.nodes() if n["Alive"]) < self.nodes:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(ray.nodes())} Ray nodes joined: {self.log()}")
            time.sleep(0.2)

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(Path(self.temp).glob("node-*.log")))

    def client_server_logs(self) -> str:
        """The tails of the head's Ray client server logs (the proxy's and each driver's own process's)."""
        logs = sorted(Path(self.temp).glob("session_latest/logs/ray_client_server*"))
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in logs)

    def train_worker_pids(self) -> list[int]:
        """The pids of this cluster's processes running a training actor (`ray::TrainRunner...`)."""
        pids = []
        for pid in self._session_pids():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"ray::TrainRunner"):
                    pids.append(pid)
        return pids

    def stop(self) -> None:
        import ray

        if ray.is_initialized():
            ray.shutdown()
        for proc in reversed(self.procs):
            _kill_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs:
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.procs:
            _kill_group(proc, signal.SIGKILL)
            proc.wait(timeout=10)
        # Ray's workers put themselves in their own process groups, but stay in their node's session.
        for pid in self._session_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.temp, ignore_errors=True)

    def _session_pids(self) -> list[int]:
        sessions = {p.pid for p in self.procs}
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if os.getsid(int(entry.name)) in sessions:
                        pids.append(int(entry.name))
        return pids


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
