"""Jobs on a real local Ray cluster (a head and a second node, 1 CPU each): streams, determinism, cancel, sweeps,
a killed worker. The service runs in this process with AEVP_RAY_ADDRESS pointing at the cluster."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import yaml

from aevp.ml.train import BatchLosses, train
from aevp.service.app import create_app
from tests.service.conftest import TINY, make_settings, read_until_closed, wait_for_job, wait_until, ws_connect
from tests.service.raycluster import RayCluster
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData
from tests.service.test_jobs import check_contiguous

ONE = TINY.model_copy(update={"epochs": 1, "seed": 7})
LONG = TINY.model_copy(update={"epochs": 100})
STEPS = 512 // 32  # SyntheticData's 512 training images in batches of 32


@pytest.fixture(scope="module")
def cluster() -> Iterator[RayCluster]:
    ray_cluster = RayCluster(nodes=2).start()
    try:
        ray_cluster.connect()
        yield ray_cluster
    finally:
        ray_cluster.stop()


@pytest.fixture(scope="module")
def data() -> SyntheticData:
    return SyntheticData()


@pytest.fixture(scope="module")
def live(cluster: RayCluster, data: SyntheticData, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("ray")
    settings = make_settings(tmp, ray_address=cluster.address, max_concurrent_jobs=2, warm_models=False)
    server = LiveServer(create_app(settings, data=data)).start()
    yield server
    server.stop()


@pytest.fixture()
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=60) as c:
        yield c


def test_job_on_ray_streams_every_loss_like_a_local_run(
    client: httpx.Client, live: LiveServer, data: SyntheticData
) -> None:
    assert client.get("/api/health").json()["executor"] == "ray"
    r = client.post("/api/jobs", json={"spec": ONE.model_dump()})
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["executor"] == "ray"
    with ws_connect(live, f"/ws/jobs/{job['id']}") as ws:
        messages = read_until_closed(ws, timeout_s=180)
    assert messages[-1]["type"] == "end" and messages[-1]["state"] == "done", messages[-1]
    streamed = check_contiguous(messages)
    assert len(streamed) == STEPS
    assert any(m["type"] == "snapshot" for m in messages) and any(m["type"] == "epoch" for m in messages)
    detail = client.get(f"/api/jobs/{job['id']}").json()
    assert detail["executor"] == "ray" and detail["losses"] == streamed
    assert any(m["id"] == detail["model_id"] for m in client.get("/api/models").json())
    # The same spec and seed trained here, in this process, as the local executor would.
    dataset = data.load("mnist")
    events = train(ONE, dataset.train_images, dataset.test_images, test_labels=dataset.test_labels)
    local = [v for e in events if isinstance(e, BatchLosses) for v in e.values]
    np.testing.assert_allclose(streamed, local, rtol=1e-6, atol=0)


def test_a_ray_client_address_trains_through_the_client_server(cluster: RayCluster, tmp_path: Path) -> None:
    """AEVP_RAY_ADDRESS=ray://host:port (Ray's client, grpcio): a server process with no Ray node of its own."""
    from tests.service.test_durable_jobs import ServerProcess

    server = ServerProcess(tmp_path, {"AEVP_RAY_ADDRESS": cluster.client_address})
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            assert client.get("/api/health").json()["executor"] == "ray"
            job = client.post("/api/jobs", json={"spec": ONE.model_dump()}).json()
            done = wait_for_job(client, job["id"], timeout_s=240)
            assert done["state"] == "done", (done.get("error"), server.output(), cluster.client_server_logs())
            assert done["executor"] == "ray" and len(done["losses"]) == STEPS
            assert any(m["id"] == done["model_id"] for m in client.get("/api/models").json())
    finally:
        server.ensure_stopped()


def test_cancel_stops_a_ray_job(client: httpx.Client) -> None:
    job = client.post("/api/jobs", json={"spec": LONG.model_dump()}).json()
    wait_until(lambda: client.get(f"/api/jobs/{job['id']}").json()["progress"]["step"] > 2, timeout_s=180)
    asked = time.monotonic()
    assert client.post(f"/api/jobs/{job['id']}/cancel").status_code == 200
    ended = wait_for_job(client, job["id"], timeout_s=60)
    assert ended["state"] == "cancelled" and ended["progress"]["step"] < ended["progress"]["total_steps"]
    assert time.monotonic() - asked < 20


def test_sweep_of_three_on_ray(client: httpx.Client) -> None:
    base = ONE.model_dump(mode="json")
    r = client.post("/api/sweeps", json={"base": base, "grid": {"latent_dim": [2, 3, 4]}})
    assert r.status_code == 201, r.text
    sweep = r.json()
    result: dict = {}

    def ended() -> bool:
        result.update(client.get(f"/api/sweeps/{sweep['id']}").json())
        return result["state"] not in ("queued", "running")

    wait_until(ended, timeout_s=300)
    assert result["state"] == "done", result
    models = {m["id"] for m in client.get("/api/models").json()}
    assert all(j["model_id"] in models and j["psnr"] is not None for j in result["jobs"])
    assert {client.get(f"/api/jobs/{j}").json()["executor"] for j in result["job_ids"]} == {"ray"}


def test_killed_worker_fails_its_job_and_the_service_stays_healthy(client: httpx.Client, cluster: RayCluster) -> None:
    job = client.post("/api/jobs", json={"spec": LONG.model_dump()}).json()
    wait_until(lambda: client.get(f"/api/jobs/{job['id']}").json()["progress"]["step"] > 2, timeout_s=180)
    (pid,) = cluster.train_worker_pids()
    os.kill(pid, signal.SIGKILL)
    ended = wait_for_job(client, job["id"], timeout_s=60)
    assert ended["state"] == "failed" and "Ray worker training this job died" in ended["error"], ended
    assert client.get("/api/health").status_code == 200
    again = client.post("/api/jobs", json={"spec": ONE.model_dump()}).json()
    assert wait_for_job(client, again["id"], timeout_s=180)["state"] == "done"


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="no docker-compose")
def test_compose_ray_profile_adds_a_head_and_a_worker_from_the_api_image() -> None:
    root = Path(__file__).resolve().parents[3]
    plain = subprocess.run(["docker-compose", "config"], cwd=root, capture_output=True, text=True, check=True)
    ray = subprocess.run(
        ["docker-compose", "--profile", "ray", "config"], cwd=root, capture_output=True, text=True, check=True
    )
    services = yaml.safe_load(ray.stdout)["services"]
    assert services["ray-head"]["image"] == services["ray-worker"]["image"] == services["api"]["image"]
    assert "--head" in str(services["ray-head"]["command"])
    assert "ray-head:6379" in str(services["ray-worker"]["command"])
    assert "AEVP_RAY_ADDRESS" in services["api"]["environment"]
    assert yaml.safe_load(plain.stdout)["services"]["ray-head"]["profiles"] == ["ray"]  # off unless asked for


def test_a_job_asks_for_a_gpu_only_where_the_cluster_has_one() -> None:
    from aevp.service.jobs.ray_executor import gpus_per_job

    assert gpus_per_job({"CPU": 2.0, "memory": 1e9}) == 0
    assert gpus_per_job({"CPU": 16.0, "GPU": 1.0}) == 1
    assert gpus_per_job({"CPU": 16.0, "GPU": 8.0}) == 1


class FlakyRay:
    """Stands in for the `ray` module: `init` refuses the first `refusals` handshakes as Ray's client does."""

    def __init__(self, refusals: int) -> None:
        self.refusals, self.inits, self.shutdowns = refusals, 0, 0

    def init(self, **_: object) -> None:
        self.inits += 1
        if self.inits <= self.refusals:
            raise ConnectionAbortedError("Initialization failure from server: Starting Ray client server failed.")

    def shutdown(self) -> None:
        self.shutdowns += 1


def test_a_refused_client_handshake_is_tried_again_and_a_gcs_address_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    from aevp.service.jobs import ray_executor
    from aevp.service.jobs.ray_executor import CLIENT_CONNECT_TRIES, RayExecutor

    monkeypatch.setattr(ray_executor.time, "sleep", lambda _: None)
    once = FlakyRay(refusals=1)
    RayExecutor("ray://127.0.0.1:10001")._init(once)
    assert (once.inits, once.shutdowns) == (2, 1)

    always = FlakyRay(refusals=99)
    with pytest.raises(ConnectionAbortedError):
        RayExecutor("ray://127.0.0.1:10001")._init(always)
    assert always.inits == CLIENT_CONNECT_TRIES

    gcs = FlakyRay(refusals=1)  # a GCS address has Ray's own long retries: not multiplied here
    with pytest.raises(ConnectionAbortedError):
        RayExecutor("127.0.0.1:6379")._init(gcs)
    assert gcs.inits == 1
