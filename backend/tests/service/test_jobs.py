"""Training jobs end to end against a real server: REST, the /ws/jobs stream, cancel, failures."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time

import httpx
import pytest

from aevp.service.schemas import VAE_EPOCH_FIELDS, VAE_LOSS_FIELDS
from tests.service.conftest import (
    TINY,
    expect_error_then_close,
    read_until_closed,
    wait_for_job,
    wait_until,
    ws_connect,
)
from tests.service.server import LiveServer

LONG = TINY.model_copy(update={"epochs": 100})  # runs until cancelled
VAE_FIELDS = {"history": VAE_LOSS_FIELDS, "losses": VAE_LOSS_FIELDS, "epoch": VAE_EPOCH_FIELDS}


def check_contiguous(messages: list[dict]) -> list[float]:
    """The history then every `losses` message: contiguous steps from 0; returns all the values."""
    history = next(m for m in messages if m["type"] == "history")
    values = list(history["losses"])
    for m in messages:
        if m["type"] == "losses":
            assert m["start_step"] == len(values), "a gap or an overlap in the loss stream"
            values += m["values"]
    return values


def test_tiny_job_streams_every_loss_and_lands_in_models(server: LiveServer, client: httpx.Client) -> None:
    job = client.post("/api/jobs", json={"spec": TINY.model_dump()})
    assert job.status_code == 201, job.text
    job_id = job.json()["id"]
    assert job.json()["state"] in ("queued", "running")
    with ws_connect(server, f"/ws/jobs/{job_id}") as ws:
        messages = read_until_closed(ws)
    assert all(m["v"] == 1 for m in messages)
    types = [m["type"] for m in messages]
    assert types[:2] == ["hello", "history"] and types[-1] == "end"
    assert messages[0]["job"]["id"] == job_id

    losses = check_contiguous(messages)
    steps_per_epoch = 512 // TINY.batch_size
    assert len(losses) == steps_per_epoch * TINY.epochs
    assert all(isinstance(v, float) and v > 0 for v in losses)

    progress = [m for m in messages if m["type"] == "progress"]
    assert progress[-1]["fraction"] == 1.0 and progress[-1]["step"] == progress[-1]["total_steps"] == len(losses)
    assert [m["fraction"] for m in progress] == sorted(m["fraction"] for m in progress)
    epochs = [m for m in messages if m["type"] == "epoch"]
    assert [m["epoch"] for m in epochs] == [1, 2]
    assert all(m["psnr"] > 0 and 0 < m["ssim"] <= 1 for m in epochs)
    snapshots = [m for m in messages if m["type"] == "snapshot"]
    assert snapshots, "at least the final snapshot"
    assert len(snapshots[-1]["inputs"]) == 8 and snapshots[-1]["inputs"][0]["shape"] == [1, 28, 28]
    names = [a["name"] for a in snapshots[-1]["activations"]]
    assert names == [row.name for row in TINY.layers() if row.name != "latent"]

    end = messages[-1]
    assert end["state"] == "done" and end["error"] is None and end["model_id"]
    models = client.get("/api/models").json()
    assert end["model_id"] in [m["id"] for m in models]

    detail = client.get(f"/api/jobs/{job_id}").json()
    assert detail["state"] == "done" and detail["model_id"] == end["model_id"]
    assert detail["progress"]["fraction"] == 1.0
    assert detail["losses"] == losses
    model = client.get(f"/api/models/{end['model_id']}").json()
    assert model["history"]["losses"] == pytest.approx(losses)
    assert len(model["history"]["epochs"]) == TINY.epochs
    assert job_id in [j["id"] for j in client.get("/api/jobs").json()]


def vae_terms_in(messages: list[dict]) -> list[tuple[str, str]]:
    """(type, field) of every VAE term the messages carry with a value."""
    return [(m["type"], k) for m in messages for k in VAE_FIELDS.get(m["type"], ()) if m.get(k) is not None]


def test_plain_job_messages_have_no_vae_terms(server: LiveServer, client: httpx.Client) -> None:
    job = client.post("/api/jobs", json={"spec": TINY.model_copy(update={"epochs": 1}).model_dump()})
    assert job.status_code == 201, job.text
    with ws_connect(server, f"/ws/jobs/{job.json()['id']}") as ws:
        messages = read_until_closed(ws)
    assert messages[-1]["state"] == "done", messages[-1]
    assert {"history", "losses", "epoch"} <= {m["type"] for m in messages}  # there was something to check
    assert vae_terms_in(messages) == []
    assert not any("latent_logvar" in json.dumps(m) for m in messages)
    detail = client.get(f"/api/jobs/{job.json()['id']}").json()
    assert detail.get("recon") is None and detail.get("kl") is None
    # The check sees a VAE's terms when they are there.
    assert vae_terms_in([{"type": "losses", "kl": [0.1]}, {"type": "epoch", "test_elbo": 1.0}]) == [
        ("losses", "kl"),
        ("epoch", "test_elbo"),
    ]


def test_late_subscriber_gets_history_then_live(server: LiveServer, client: httpx.Client) -> None:
    job_id = client.post("/api/jobs", json={"spec": TINY.model_copy(update={"epochs": 4}).model_dump()}).json()["id"]
    wait_until(lambda: len(client.get(f"/api/jobs/{job_id}").json()["losses"]) >= 10)
    with ws_connect(server, f"/ws/jobs/{job_id}") as ws:
        messages = read_until_closed(ws)
    history = messages[1]
    assert history["type"] == "history" and len(history["losses"]) >= 10
    assert len(check_contiguous(messages)) == 16 * 4
    # After the job ended, a new subscriber gets everything at once and the end.
    with ws_connect(server, f"/ws/jobs/{job_id}") as ws:
        again = read_until_closed(ws)
    assert [m["type"] for m in again][:2] == ["hello", "history"] and again[-1]["type"] == "end"
    assert len(again[1]["losses"]) == 64 and len(again[1]["epochs"]) == 4


def test_cancel_running_job(server: LiveServer, client: httpx.Client) -> None:
    job_id = client.post("/api/jobs", json={"spec": LONG.model_dump()}).json()["id"]
    with ws_connect(server, f"/ws/jobs/{job_id}") as ws:
        wait_until(lambda: client.get(f"/api/jobs/{job_id}").json()["progress"]["step"] > 0)
        assert client.post(f"/api/jobs/{job_id}/cancel").status_code == 200
        messages = read_until_closed(ws)
    assert messages[-1] == {"v": 1, "type": "end", "state": "cancelled", "model_id": None, "error": None}
    check_contiguous(messages)
    job = wait_for_job(client, job_id)
    assert job["state"] == "cancelled" and job["model_id"] is None
    # Cancelling again changes nothing.
    assert client.post(f"/api/jobs/{job_id}/cancel").json()["state"] == "cancelled"


def test_queue_limit_and_cancel_queued(server: LiveServer, client: httpx.Client) -> None:
    limits = server.services.settings
    capacity = limits.max_concurrent_jobs + limits.max_queued_jobs
    ids = []
    for _ in range(capacity):
        response = client.post("/api/jobs", json={"spec": LONG.model_dump()})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    full = client.post("/api/jobs", json={"spec": LONG.model_dump()})
    assert full.status_code == 429 and "too many jobs" in full.json()["detail"]
    queued = ids[-1]
    assert client.get(f"/api/jobs/{queued}").json()["state"] == "queued"
    assert client.post(f"/api/jobs/{queued}/cancel").json()["state"] == "cancelled"
    for job_id in ids:
        client.post(f"/api/jobs/{job_id}/cancel")
    for job_id in ids:
        assert wait_for_job(client, job_id)["state"] == "cancelled"


def test_client_disconnect_mid_job_job_completes(server: LiveServer, client: httpx.Client) -> None:
    job_id = client.post("/api/jobs", json={"spec": TINY.model_dump()}).json()["id"]
    with ws_connect(server, f"/ws/jobs/{job_id}") as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "hello"
        wait_until(lambda: client.get(f"/api/jobs/{job_id}").json()["progress"]["step"] > 0)
    # and a second client that vanishes without a closing handshake
    with contextlib.suppress(Exception), ws_connect(server, f"/ws/jobs/{job_id}") as abrupt:
        abrupt.socket.shutdown(socket.SHUT_RDWR)
        abrupt.socket.close()
    job = wait_for_job(client, job_id)
    assert job["state"] == "done", job["error"]
    assert job["model_id"] in [m["id"] for m in client.get("/api/models").json()]


def test_failed_job_reports_its_error(server: LiveServer, client: httpx.Client) -> None:
    too_big = TINY.model_copy(update={"batch_size": 1024})  # more than the 512 synthetic training images
    job_id = client.post("/api/jobs", json={"spec": too_big.model_dump()}).json()["id"]
    with ws_connect(server, f"/ws/jobs/{job_id}") as ws:
        messages = read_until_closed(ws)
    end = messages[-1]
    assert end["type"] == "end" and end["state"] == "failed" and "batch_size" in end["error"]
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["state"] == "failed" and "batch_size" in job["error"]
    assert client.get("/api/health").status_code == 200


def test_unknown_dataset_and_unknown_job(server: LiveServer, client: httpx.Client) -> None:
    data = server.services.data
    data.missing = ("fashion-mnist",)
    try:
        response = client.post(
            "/api/jobs", json={"spec": TINY.model_copy(update={"dataset": "fashion-mnist"}).model_dump()}
        )
    finally:
        data.missing = ()
    assert response.status_code == 409 and "fashion-mnist" in response.json()["detail"]
    assert client.get("/api/jobs/nope").status_code == 404
    assert client.post("/api/jobs/nope/cancel").status_code == 404
    with ws_connect(server, "/ws/jobs/nope") as ws:
        expect_error_then_close(ws, "nope", 4404)


def test_many_subscribers_all_get_every_loss(server: LiveServer, client: httpx.Client) -> None:
    job_id = client.post("/api/jobs", json={"spec": TINY.model_dump()}).json()["id"]
    results: list[list[dict]] = []

    def subscribe() -> None:
        with ws_connect(server, f"/ws/jobs/{job_id}") as ws:
            results.append(read_until_closed(ws))

    threads = [threading.Thread(target=subscribe) for _ in range(5)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join(timeout=120)
    assert len(results) == 5
    for messages in results:
        assert len(check_contiguous(messages)) == 32 and messages[-1]["state"] == "done"
