"""Service tests run against real uvicorn servers on free loopback ports, with synthetic data."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from aevp.ml import checkpoint
from aevp.ml.spec import ModelSpec
from aevp.service.app import create_app
from aevp.settings import Settings
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData

PRETRAINED_ID = "ae-32-64-l16-mnist"  # the ids the OpenAPI examples use
PRETRAINED_VAE_ID = "vae-32-64-l16-mnist"
ALLOWED_ORIGIN = "http://allowed.example"
# A model that trains in about a second: 512 images, batches of 32 -> 16 steps per epoch.
TINY = ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=4, batch_size=32, epochs=2)


def random_params(spec: ModelSpec, seed: int = 0) -> dict[str, np.ndarray]:
    """Untrained weights of the right shapes (steps.init_params compiles, which takes seconds)."""
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in checkpoint.expected_shapes(spec).items():
        fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        scale = np.sqrt(2.0 / fan_in) if name.endswith("kernel") else 0.0
        params[name] = (rng.standard_normal(shape) * scale).astype(np.float32)
    return params


def fake_timeline(spec: ModelSpec, frames: int = 3) -> bytes:
    """A timeline file of `frames` frames that fits `spec` (random images and activations, no training)."""
    from aevp.ml import timeline, timeline_file

    rng = np.random.default_rng(0)
    images = rng.random((20, 28, 28), np.float32)
    rec = timeline.Recorder(spec, frames - 1, images[:4], images, np.arange(20), np.arange(20) % 10)
    for step in range(frames):
        acts = {r.name: rng.random((1, *r.shape), np.float32) for r in spec.layers()}
        rec.record(step, min(step, 1), None if step == 0 else 0.5, images[:4], acts, rng.random((20, spec.latent_dim)))
    return timeline_file.dump(rec.timeline())


def save_untrained(root: Path, spec: ModelSpec, model_id: str | None = None, timeline: bool = False) -> str:
    epoch = {"epoch": 1, "train_loss": 0.6, "test_loss": 0.5, "psnr": 12.0, "ssim": 0.3}
    metrics = {"test_loss": 0.5, "psnr": 12.0, "ssim": 0.3}
    history = {"losses": [0.7, 0.6, 0.5], "epochs": [epoch]}
    data = fake_timeline(spec) if timeline else None
    return checkpoint.save(root, spec, random_params(spec), metrics, history, model_id=model_id, timeline=data)


def make_settings(tmp: Path, **overrides: object) -> Settings:
    base = dict(
        data_dir=tmp / "data",
        models_dir=tmp / "models",
        pretrained_dir=tmp / "pretrained",
        maps_dir=tmp / "maps",
        state_dir=tmp / "state",
        frontend_dir=None,
        cors_origins=[ALLOWED_ORIGIN],
        max_concurrent_jobs=1,
        max_queued_jobs=4,
        max_queued_jobs_per_client=4,  # every test client is 127.0.0.1; test_durable_jobs checks the limit
        max_upload_bytes=16 * 1024 * 1024,  # a shipped model with its timeline is ~5 MB
        stream_interval_s=0.1,
        ws_send_timeout_s=3.0,
    )
    base.update(overrides)
    return Settings(**base)


@pytest.fixture(scope="session")
def pretrained_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pretrained")
    save_untrained(root, ModelSpec(), PRETRAINED_ID, timeline=True)  # the OpenAPI examples show its timeline
    save_untrained(root, ModelSpec(variant="vae"), PRETRAINED_VAE_ID)
    save_untrained(root, TINY.model_copy(update={"dataset": "fashion-mnist"}), "tiny-fashion")
    return root


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, pretrained_dir: Path) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("service")
    app = create_app(make_settings(tmp, pretrained_dir=pretrained_dir), data=SyntheticData())
    live = LiveServer(app).start()
    yield live
    live.stop()


@pytest.fixture()
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


@pytest.fixture()
def user_model(server: LiveServer) -> str:
    """A user model (deletable), saved straight into the server's models folder."""
    entry = server.services.models.store.save(TINY, random_params(TINY), {"test_loss": 0.4}, None)
    return entry.id


def image_of(label: int = 3) -> list[list[float]]:
    from tests.service.synthetic import make_images

    images, labels = make_images(64, 7)
    return (images[int(np.flatnonzero(labels == label)[0])] / 255.0).tolist()


def ws_connect(server: LiveServer, path: str, **kwargs: object) -> ClientConnection:
    return connect(server.ws_url + path, compression=None, max_size=None, open_timeout=30, **kwargs)


def read_until_closed(ws: ClientConnection, timeout_s: float = 120.0) -> list[dict]:
    """Every message until the server closes the socket."""
    messages = []
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            text = ws.recv(timeout=max(deadline - time.monotonic(), 0.01))
        except ConnectionClosed:
            return messages
        messages.append(json.loads(text))


def expect_error_then_close(ws: ClientConnection, fragment: str, code: int) -> None:
    """The server's one `error` message (naming `fragment`), then its close with `code`."""
    message = json.loads(ws.recv(timeout=10))
    assert message["type"] == "error" and fragment in message["message"], message
    with pytest.raises(ConnectionClosed):
        ws.recv(timeout=10)
    assert ws.close_code == code


def wait_for_job(client: httpx.Client, job_id: str, timeout_s: float = 120.0, poll_s: float = 0.05) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "cancelled", "failed"):
            return job
        time.sleep(poll_s)
    raise TimeoutError(f"job {job_id} did not finish")


def wait_until(predicate: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.02)
