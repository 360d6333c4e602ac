"""The vae and denoising variants through the service: the job stream's KL and reconstruction terms,
and a VAE's explore answer with its latent sigma."""

from __future__ import annotations

import httpx
import pytest

from tests.service.conftest import TINY, image_of, read_until_closed, ws_connect
from tests.service.server import LiveServer
from tests.service.test_jobs import check_contiguous

VAE = TINY.model_copy(update={"variant": "vae", "beta": 0.5})


def _terms(messages: list[dict], key: str) -> list[float]:
    history = next(m for m in messages if m["type"] == "history")
    values = list(history[key] or [])
    for m in messages:
        if m["type"] == "losses":
            values += m[key]
    return values


def test_vae_job_streams_kl_and_recon_and_explores_with_sigma(server: LiveServer, client: httpx.Client) -> None:
    job = client.post("/api/jobs", json={"spec": VAE.model_dump()})
    assert job.status_code == 201, job.text
    job_id = job.json()["id"]
    with ws_connect(server, f"/ws/jobs/{job_id}") as ws:
        messages = read_until_closed(ws)
    assert messages[-1]["type"] == "end" and messages[-1]["state"] == "done", messages[-1]
    losses = check_contiguous(messages)
    recon, kl = _terms(messages, "recon"), _terms(messages, "kl")
    assert len(recon) == len(kl) == len(losses) == (512 // VAE.batch_size) * VAE.epochs
    assert losses == pytest.approx([r + 0.5 * k for r, k in zip(recon, kl, strict=True)], rel=1e-4)
    epochs = [m for m in messages if m["type"] == "epoch"]
    assert len(epochs) == VAE.epochs
    for m in epochs:
        assert m["test_kl"] >= 0 and m["test_elbo"] == pytest.approx(m["test_recon"] + m["test_kl"], rel=1e-5)
        assert m["train_kl"] is not None and m["train_recon"] is not None
    detail = client.get(f"/api/jobs/{job_id}").json()
    assert detail["kl"] == pytest.approx(kl) and detail["recon"] == pytest.approx(recon)

    model_id = messages[-1]["model_id"]
    model = client.get(f"/api/models/{model_id}").json()
    assert model["title"].startswith("VAE-") and model["history"]["epochs"][-1]["test_elbo"] is not None
    assert [r["name"] for r in model["layers"]][2:4] == ["latent", "latent_logvar"]
    answer = client.post(f"/api/models/{model_id}/explore", json={"image": image_of()}).json()
    assert len(answer["latent"]) == len(answer["latent_sigma"]) == VAE.latent_dim
    assert all(s > 0 for s in answer["latent_sigma"])


def test_plain_model_explores_without_latent_sigma(server: LiveServer, client: httpx.Client, user_model: str) -> None:
    answer = client.post(f"/api/models/{user_model}/explore", json={"image": image_of()}).json()
    assert answer["latent_sigma"] is None


def test_denoising_job_trains(server: LiveServer, client: httpx.Client) -> None:
    spec = TINY.model_copy(update={"variant": "denoising", "corruption": "mask", "corruption_level": 0.4, "epochs": 1})
    job = client.post("/api/jobs", json={"spec": spec.model_dump()})
    assert job.status_code == 201, job.text
    with ws_connect(server, f"/ws/jobs/{job.json()['id']}") as ws:
        messages = read_until_closed(ws)
    assert messages[-1]["state"] == "done", messages[-1]
    assert all(m.get("kl") is None for m in messages if m["type"] == "losses")
    model = client.get(f"/api/models/{messages[-1]['model_id']}").json()
    assert model["title"].startswith("DAE-") and model["spec"]["corruption_level"] == 0.4
    bad = client.post("/api/jobs", json={"spec": {**spec.model_dump(), "corruption_level": 0.95}})
    assert bad.status_code == 422 and "corruption_level" in bad.text
