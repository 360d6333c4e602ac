"""Sweeps on a real server with the local executor: a grid's jobs, their results, 422s, cancel, shipped sweeps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aevp.service.app import create_app
from aevp.service.schemas import SweepInfo
from aevp.service.sweeps import shipped
from aevp.service.sweeps.grid import GridError, expand
from aevp.service.sweeps.manager import sweep_state
from tests.service.conftest import TINY, make_settings, save_untrained, wait_until
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData

ONE = TINY.model_copy(update={"epochs": 1})
BASE = ONE.model_dump(mode="json")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("sweeps")
    pretrained = tmp / "pretrained"
    model_id = save_untrained(pretrained, ONE, "shipped-l4")
    sweep = SweepInfo(
        id="bottleneck", title="How big must the bottleneck be?", created="2025-01-01T00:00:00Z", base=ONE,
        grid={"latent_dim": [4]}, state="done", job_ids=[model_id],
        jobs=[{"job_id": model_id, "params": {"latent_dim": 4}, "state": "done", "model_id": model_id,
               "test_loss": 0.5, "psnr": 12.0, "ssim": 0.3}],
    )
    shipped.write(pretrained / shipped.FOLDER, sweep)
    (pretrained / shipped.FOLDER / "broken.json").write_text("{not json")
    settings = make_settings(tmp, pretrained_dir=pretrained, max_active_sweeps=1, max_concurrent_jobs=1)
    server = LiveServer(create_app(settings, data=SyntheticData())).start()
    yield server
    server.stop()


@pytest.fixture()
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=60) as c:
        yield c


def wait_sweep(client: httpx.Client, sweep_id: str) -> dict:
    result: dict = {}

    def ended() -> bool:
        result.update(client.get(f"/api/sweeps/{sweep_id}").json())
        return result["state"] not in ("queued", "running")

    wait_until(ended, timeout_s=180)
    return result


def test_grid_expands_in_product_order_with_block_shorthands() -> None:
    combos = expand(ONE, {"latent_dim": [2, 8], "filters": [4, 6]})
    assert [p for p, _ in combos] == [
        {"latent_dim": 2, "filters": 4}, {"latent_dim": 2, "filters": 6},
        {"latent_dim": 8, "filters": 4}, {"latent_dim": 8, "filters": 6},
    ]
    assert [(s.latent_dim, s.blocks[0].filters) for _, s in combos] == [(2, 4), (2, 6), (8, 4), (8, 6)]
    with pytest.raises(GridError, match="combination 2 .latent_dim=99.") as e:
        expand(ONE, {"latent_dim": [2, 99]})
    assert e.value.field == "latent_dim"
    with pytest.raises(GridError, match="65 combinations; the limit is 64"):
        expand(ONE, {"seed": list(range(65))})
    with pytest.raises(GridError, match="not a spec field"):
        expand(ONE, {"colour": [1]})
    assert sweep_state(["done", "running", "queued"], False) == "running"
    assert sweep_state(["queued", "queued"], False) == "queued"
    assert sweep_state(["done", "cancelled"], False) == "cancelled"
    assert sweep_state(["done", "failed"], False) == "failed"
    assert sweep_state(["done", "done"], False) == "done"


def test_sweep_of_three_trains_three_models(client: httpx.Client) -> None:
    r = client.post("/api/sweeps", json={"base": BASE, "grid": {"latent_dim": [2, 3, 4]}, "title": "three"})
    assert r.status_code == 201, r.text
    sweep = r.json()
    assert sweep["title"] == "three" and len(sweep["job_ids"]) == 3
    assert [j["params"] for j in sweep["jobs"]] == [{"latent_dim": 2}, {"latent_dim": 3}, {"latent_dim": 4}]
    assert sweep["state"] in ("queued", "running")
    assert client.post("/api/sweeps", json={"base": BASE, "grid": {"seed": [1]}}).status_code == 429
    done = wait_sweep(client, sweep["id"])
    assert done["state"] == "done", done
    models = {m["id"]: m for m in client.get("/api/models").json()}
    assert all(m.get("available", True) for m in models.values())  # the shipped sweeps' folder is no model
    for job in done["jobs"]:
        assert job["state"] == "done" and job["model_id"] in models
        assert models[job["model_id"]]["spec"]["latent_dim"] == job["params"]["latent_dim"]
        assert job["test_loss"] > 0 and job["psnr"] > 0 and 0 < job["ssim"] <= 1
        info = client.get(f"/api/jobs/{job['job_id']}").json()
        assert info["executor"] == "local" and info["epochs"][-1]["psnr"] == pytest.approx(job["psnr"])
    listed = client.get("/api/sweeps").json()
    assert [s["id"] for s in listed] == [sweep["id"], "bottleneck"]
    assert client.get("/api/health").json()["executor"] == "local"


def test_bad_combination_is_a_422_naming_it(client: httpx.Client) -> None:
    r = client.post("/api/sweeps", json={"base": BASE, "grid": {"latent_dim": [2, 0]}})
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert err["loc"] == ["body", "grid", "latent_dim"] and "combination 2 (latent_dim=0)" in err["msg"]
    r = client.post("/api/sweeps", json={"base": BASE, "grid": {"epochs": [1, 100000]}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "grid", "epochs"]
    grid = {"seed": list(range(9)), "latent_dim": list(range(1, 9))}
    big = client.post("/api/sweeps", json={"base": BASE, "grid": grid})
    assert big.status_code == 422 and "72 combinations" in big.json()["detail"][0]["msg"]
    assert client.post("/api/sweeps", json={"base": BASE, "grid": {}}).status_code == 422
    assert client.post("/api/sweeps", json={"base": BASE, "grid": {"colour": [1]}}).status_code == 422
    missing = {**BASE, "dataset": "nope"}
    assert client.post("/api/sweeps", json={"base": missing, "grid": {"seed": [1]}}).status_code in (404, 409)
    queued = {j for s in client.get("/api/sweeps").json() if not s["pretrained"] for j in s["job_ids"]}
    assert {j["id"] for j in client.get("/api/jobs").json()} == queued  # a refused sweep queued nothing


def test_cancel_ends_every_job_and_shipped_is_read_only(client: httpx.Client) -> None:
    long = {**BASE, "epochs": 100}
    sweep = client.post("/api/sweeps", json={"base": long, "grid": {"seed": [1, 2]}}).json()
    wait_until(lambda: client.get(f"/api/sweeps/{sweep['id']}").json()["jobs"][0]["state"] == "running")
    r = client.post(f"/api/sweeps/{sweep['id']}/cancel")
    assert r.status_code == 200
    done = wait_sweep(client, sweep["id"])
    assert done["state"] == "cancelled" and {j["state"] for j in done["jobs"]} == {"cancelled"}
    assert client.post(f"/api/sweeps/{sweep['id']}/cancel").json()["state"] == "cancelled"
    shipped_one = client.get("/api/sweeps/bottleneck").json()
    assert shipped_one["pretrained"] is True and shipped_one["jobs"][0]["psnr"] == 12.0
    assert client.post("/api/sweeps/bottleneck/cancel").status_code == 403
    assert client.get("/api/sweeps/nope").status_code == 404
    assert client.post("/api/sweeps/nope/cancel").status_code == 404


def test_sweeps_survive_a_restart(live: LiveServer, tmp_path: Path) -> None:
    settings = live.services.settings
    again = LiveServer(create_app(settings, data=SyntheticData())).start()
    try:
        with httpx.Client(base_url=again.url, timeout=60) as c:
            listed = c.get("/api/sweeps").json()
        assert any(s["title"] == "three" and s["state"] == "done" for s in listed)
        three = next(s for s in listed if s["title"] == "three")
        assert all(j["psnr"] is not None for j in three["jobs"])
    finally:
        again.stop()
