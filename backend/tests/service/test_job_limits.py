"""The job limits against a real server: queued jobs per client, the step and time budgets, retention across a
restart, and a long history sent in chunks."""

from __future__ import annotations

from pathlib import Path

import httpx

from aevp.service.app import create_app
from tests.service.conftest import TINY, make_settings, read_until_closed, wait_for_job, wait_until, ws_connect
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData

LONG = TINY.model_copy(update={"epochs": 100})  # runs until cancelled or stopped


def serve(tmp: Path, **overrides: object) -> LiveServer:
    settings = make_settings(tmp, warm_models=False, **overrides)
    return LiveServer(create_app(settings, data=SyntheticData())).start()


def test_queued_jobs_per_client_step_budget_and_time_budget(tmp_path: Path) -> None:
    # 512 synthetic images in batches of 32: 16 steps an epoch; a budget of 1,000 steps allows 62 epochs.
    server = serve(tmp_path, max_queued_jobs=8, max_queued_jobs_per_client=2, max_job_steps=1000, max_job_seconds=1.5)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            over = client.post("/api/jobs", json={"spec": LONG.model_dump()})
            assert over.status_code == 422, over.text
            detail = over.json()["detail"][0]
            assert detail["loc"] == ["body", "spec", "epochs"] and "1,600 batches" in detail["msg"], detail
            assert "AEVP_MAX_JOB_STEPS" in detail["msg"]

            # One runs (and outlives its 1.5 s time budget), two wait: the third waiting one is refused.
            spec = TINY.model_copy(update={"epochs": 60})
            ids = [client.post("/api/jobs", json={"spec": spec.model_dump()}).json()["id"] for _ in range(3)]
            wait_until(lambda: client.get(f"/api/jobs/{ids[0]}").json()["state"] == "running")
            refused = client.post("/api/jobs", json={"spec": TINY.model_dump()})
            assert refused.status_code == 429 and "AEVP_MAX_QUEUED_JOBS_PER_CLIENT" in refused.json()["detail"]
            # Another client (by IP address) still has room.
            other = httpx.Client(
                base_url=server.url, timeout=60, transport=httpx.HTTPTransport(local_address="127.0.0.2")
            )
            with other:
                answer = other.post("/api/jobs", json={"spec": TINY.model_dump()})
                assert answer.status_code == 201, answer.text
                ids.append(answer.json()["id"])
            for job_id in ids[1:]:
                client.post(f"/api/jobs/{job_id}/cancel")
            first = wait_for_job(client, ids[0])
            assert first["state"] == "failed" and "AEVP_MAX_JOB_SECONDS" in first["error"], first["error"]
            assert first["model_id"] is None and len(first["losses"]) < 60 * 16  # the budget counts compiling too
    finally:
        server.stop()


def test_retention_keeps_the_newest_finished_jobs_across_restarts(tmp_path: Path) -> None:
    server = serve(tmp_path, max_finished_jobs=2)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            ids = []
            for _ in range(3):
                job_id = client.post("/api/jobs", json={"spec": LONG.model_dump()}).json()["id"]
                client.post(f"/api/jobs/{job_id}/cancel")
                wait_for_job(client, job_id)
                ids.append(job_id)
            running = client.post("/api/jobs", json={"spec": LONG.model_dump()}).json()["id"]
            listed = [j["id"] for j in client.get("/api/jobs").json()]
            assert listed == [running, ids[2], ids[1]], "the oldest finished job is forgotten"
            assert client.get(f"/api/jobs/{ids[0]}").status_code == 404
    finally:
        server.stop()  # the running job is interrupted: it counts against the retention limit from now on
    again = serve(tmp_path, max_finished_jobs=2)
    try:
        with httpx.Client(base_url=again.url, timeout=60) as client:
            jobs = client.get("/api/jobs").json()
            assert [(j["id"], j["state"]) for j in jobs] == [(running, "interrupted"), (ids[2], "cancelled")]
    finally:
        again.stop()


def test_a_long_history_comes_in_chunks(tmp_path: Path) -> None:
    # Batches of 8: 64 steps an epoch, 320 losses in all, sent 100 to a message at most.
    server = serve(tmp_path, job_stream_chunk=100)
    spec = TINY.model_copy(update={"batch_size": 8, "epochs": 5})
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            job_id = client.post("/api/jobs", json={"spec": spec.model_dump()}).json()["id"]
            losses = wait_for_job(client, job_id)["losses"]
        with ws_connect(server, f"/ws/jobs/{job_id}") as ws:
            messages = read_until_closed(ws)
    finally:
        server.stop()
    assert len(losses) == 320
    history = messages[1]
    assert history["type"] == "history" and len(history["losses"]) == 100 and len(history["epochs"]) == 5
    chunks = [m for m in messages if m["type"] == "losses"]
    assert [(m["start_step"], len(m["values"])) for m in chunks] == [(100, 100), (200, 100), (300, 20)]
    assert history["losses"] + [v for m in chunks for v in m["values"]] == losses
    assert messages[-1]["type"] == "end"
