"""Jobs outlive their server: records in SQLite, epoch checkpoints, `interrupted`, resume with the same losses.

In-process servers (a stop runs the app's shutdown) and real server processes in their own process group,
killed with SIGKILL or stopped with SIGTERM, then started again on the same state folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aevp.service.app import create_app
from tests.service.conftest import TINY, make_settings, read_until_closed, wait_for_job, wait_until, ws_connect
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData
from tests.service.test_serve_cli import free_port

BACKEND = Path(__file__).resolve().parents[2]
SIX = TINY.model_copy(update={"epochs": 6})  # 16 batches an epoch: 96 losses, a few seconds
STEPS = 512 // TINY.batch_size


def wait_for_epoch(client: httpx.Client, job_id: str, epoch: int) -> dict:
    """Polls until the job has finished `epoch` epochs (and so written that epoch's checkpoint)."""
    wait_until(lambda: len(client.get(f"/api/jobs/{job_id}").json()["epochs"]) >= epoch, timeout_s=120)
    return client.get(f"/api/jobs/{job_id}").json()


def reference_losses(client: httpx.Client) -> list[float]:
    """The losses of an uninterrupted run of SIX on the same server."""
    job = client.post("/api/jobs", json={"spec": SIX.model_dump()}).json()
    done = wait_for_job(client, job["id"])
    assert done["state"] == "done", done["error"]
    return done["losses"]


def check_resumed(server: LiveServer | ServerProcess, client: httpx.Client, job_id: str, before: dict) -> None:
    """Resume an interrupted job: it completes, its model is listed, and the losses after the resume point
    equal an uninterrupted run's (exactly: same machine, same process)."""
    point = before["checkpoint_epoch"] * STEPS
    assert point > 0, "there was a checkpoint to resume from"
    resumed = client.post(f"/api/jobs/{job_id}/resume")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["state"] in ("queued", "running")
    with ws_connect(server, f"/ws/jobs/{job_id}") as ws:  # type: ignore[arg-type]
        messages = read_until_closed(ws)
    history = next(m for m in messages if m["type"] == "history")
    assert len(history["losses"]) >= point and history["losses"][:point] == before["losses"][:point]
    assert messages[-1]["type"] == "end" and messages[-1]["state"] == "done"
    done = wait_for_job(client, job_id)
    assert done["state"] == "done" and done["model_id"] in [m["id"] for m in client.get("/api/models").json()]
    assert len(done["losses"]) == STEPS * SIX.epochs and [e["epoch"] for e in done["epochs"]] == list(range(1, 7))
    assert done["losses"][:point] == before["losses"][:point], "the losses before the resume point are kept"
    reference = reference_losses(client)
    assert done["losses"][point:] == reference[point:]
    model = client.get(f"/api/models/{done['model_id']}").json()
    assert model["history"]["losses"] == pytest.approx(done["losses"])


# --- in-process servers ----------------------------------------------------------------------------------


def serve(tmp: Path, **overrides: object) -> LiveServer:
    settings = make_settings(tmp, warm_models=False, **overrides)
    return LiveServer(create_app(settings, data=SyntheticData())).start()


def test_finished_jobs_are_listed_after_a_restart(tmp_path: Path) -> None:
    first = serve(tmp_path)
    with httpx.Client(base_url=first.url, timeout=60) as client:
        job_id = client.post("/api/jobs", json={"spec": TINY.model_dump()}).json()["id"]
        done = wait_for_job(client, job_id)
    first.stop()
    second = serve(tmp_path)
    try:
        with httpx.Client(base_url=second.url, timeout=60) as client:
            assert [j["id"] for j in client.get("/api/jobs").json()] == [job_id]
            again = client.get(f"/api/jobs/{job_id}").json()
            assert again == done and again["state"] == "done" and again["ended"] and again["started"]
            with ws_connect(second, f"/ws/jobs/{job_id}") as ws:
                messages = read_until_closed(ws)
            assert [m["type"] for m in messages] == ["hello", "history", "progress", "end"]
            assert messages[1]["losses"] == done["losses"] and len(messages[1]["epochs"]) == TINY.epochs
            assert client.post(f"/api/jobs/{job_id}/resume").status_code == 409
            assert client.post("/api/jobs/nope/resume").status_code == 404
    finally:
        second.stop()


def test_a_graceful_stop_interrupts_and_resume_continues(tmp_path: Path) -> None:
    first = serve(tmp_path)
    with httpx.Client(base_url=first.url, timeout=60) as client:
        job_id = client.post("/api/jobs", json={"spec": SIX.model_dump()}).json()["id"]
        queued = client.post("/api/jobs", json={"spec": TINY.model_dump()}).json()["id"]
        wait_for_epoch(client, job_id, 1)
    first.stop()  # the app's shutdown: running and queued jobs are interrupted, not cancelled
    second = serve(tmp_path)
    try:
        with httpx.Client(base_url=second.url, timeout=60) as client:
            before = client.get(f"/api/jobs/{job_id}").json()
            assert before["state"] == "interrupted" and "stopped" in before["error"], before["error"]
            assert before["checkpoint_epoch"] >= 1 and len(before["losses"]) >= before["checkpoint_epoch"] * STEPS
            never_ran = client.get(f"/api/jobs/{queued}").json()
            assert never_ran["state"] == "interrupted" and never_ran["checkpoint_epoch"] == 0
            check_resumed(second, client, job_id, before)
            # Cancelling an interrupted job ends it (and drops its checkpoint); it can no longer be resumed.
            assert client.post(f"/api/jobs/{queued}/cancel").json()["state"] == "cancelled"
            assert client.post(f"/api/jobs/{queued}/resume").status_code == 409
            assert not (tmp_path / "state" / "jobs" / queued).exists()
    finally:
        second.stop()


# --- real server processes ----------------------------------------------------------------------------


class ServerProcess:
    """`python -m tests.service.serve_synthetic` in its own process group, on a free port."""

    def __init__(self, tmp: Path, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "JAX_PLATFORMS": "cpu",
            "AEVP_STATE_DIR": str(tmp / "state"),
            "AEVP_MODELS_DIR": str(tmp / "models"),
            "AEVP_PRETRAINED_DIR": str(tmp / "no-pretrained"),
            "AEVP_MAPS_DIR": str(tmp / "maps"),
            "AEVP_DATA_DIR": str(tmp / "data"),
            "AEVP_FRONTEND_DIR": str(tmp / "no-frontend"),
            "AEVP_WARM_MODELS": "false",
            **(extra_env or {}),
        }
        self.log = open(tmp / f"server-{self.port}.log", "wb")  # noqa: SIM115 (closed in wait)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.service.serve_synthetic", str(self.port)],
            cwd=BACKEND,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped by the group's id
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert self.proc.poll() is None and time.monotonic() < deadline, self.output()
            time.sleep(0.05)

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def signal(self, sig: int, timeout_s: float = 60) -> int:
        os.killpg(self.proc.pid, sig)
        code = self.proc.wait(timeout=timeout_s)
        self.log.close()
        return code

    def ensure_stopped(self) -> None:
        if self.proc.poll() is None:
            self.signal(signal.SIGKILL)


@pytest.fixture()
def processes() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.ensure_stopped()


def test_sigkill_after_an_epoch_then_restart_and_resume(tmp_path: Path, processes: list[ServerProcess]) -> None:
    first = ServerProcess(tmp_path)
    processes.append(first)
    with httpx.Client(base_url=first.url, timeout=60) as client:
        job_id = client.post("/api/jobs", json={"spec": SIX.model_dump()}).json()["id"]
        wait_for_epoch(client, job_id, 1)
    first.signal(signal.SIGKILL)

    second = ServerProcess(tmp_path)
    processes.append(second)
    with httpx.Client(base_url=second.url, timeout=60) as client:
        before = client.get(f"/api/jobs/{job_id}").json()
        assert before["state"] == "interrupted" and before["checkpoint_epoch"] >= 1, before["state"]
        assert len(before["losses"]) >= before["checkpoint_epoch"] * STEPS and len(before["epochs"]) >= 1
        check_resumed(second, client, job_id, before)
    print(f"\nkilled after epoch {before['checkpoint_epoch']} with {len(before['losses'])} losses stored; resumed")


def test_sigterm_marks_the_running_job_interrupted(tmp_path: Path, processes: list[ServerProcess]) -> None:
    first = ServerProcess(tmp_path)
    processes.append(first)
    with httpx.Client(base_url=first.url, timeout=60) as client:
        job_id = client.post("/api/jobs", json={"spec": SIX.model_dump()}).json()["id"]
        wait_for_epoch(client, job_id, 1)
    with ws_connect(first, f"/ws/jobs/{job_id}") as ws:
        assert ws.recv(timeout=10)  # a watcher does not hold the stop up
        started = time.monotonic()
        code = first.signal(signal.SIGTERM)
        # uvicorn re-raises the signal once its graceful shutdown (our lifespan's too) is over
        assert code in (0, -signal.SIGTERM), (code, first.output())
    print(f"\nSIGTERM to exit: {time.monotonic() - started:.2f} s")
    second = ServerProcess(tmp_path)
    processes.append(second)
    with httpx.Client(base_url=second.url, timeout=60) as client:
        job = client.get(f"/api/jobs/{job_id}").json()
        assert job["state"] == "interrupted" and job["checkpoint_epoch"] >= 1, (job["state"], job["error"])
