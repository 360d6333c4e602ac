"""Service tests run against real uvicorn servers on free loopback ports, with synthetic data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from aevp.ml import checkpoint, steps
from aevp.ml.spec import ModelSpec
from aevp.service.app import create_app
from aevp.settings import Settings
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData

PRETRAINED_ID = "ae-32-64-l16-mnist"  # the id the OpenAPI examples use
ALLOWED_ORIGIN = "http://allowed.example"
# A model that trains in about a second: 512 images, batches of 32 -> 16 steps per epoch.
TINY = ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=4, batch_size=32, epochs=2)


def save_untrained(root: Path, spec: ModelSpec, model_id: str | None = None) -> str:
    _, params = steps.init_params(spec)
    return checkpoint.save(
        root,
        spec,
        steps.flatten_params(params),
        {"test_loss": 0.5, "psnr": 12.0, "ssim": 0.3},
        {"losses": [0.7, 0.6, 0.5], "epochs": []},
        model_id=model_id,
    )


def make_settings(tmp: Path, **overrides: object) -> Settings:
    base = dict(
        data_dir=tmp / "data",
        models_dir=tmp / "models",
        pretrained_dir=tmp / "pretrained",
        frontend_dir=None,
        cors_origins=[ALLOWED_ORIGIN],
        max_concurrent_jobs=1,
        max_queued_jobs=4,
        max_upload_bytes=4 * 1024 * 1024,
        stream_interval_s=0.1,
        ws_send_timeout_s=3.0,
    )
    base.update(overrides)
    return Settings(**base)


@pytest.fixture(scope="session")
def pretrained_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pretrained")
    save_untrained(root, ModelSpec(), PRETRAINED_ID)
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


@pytest.fixture(scope="session")
def user_model(server: LiveServer) -> str:
    """A user model (deletable), saved straight into the server's models folder."""
    spec = TINY
    _, params = steps.init_params(spec)
    entry = server.services.registry.save(spec, steps.flatten_params(params), {"test_loss": 0.4}, None)
    return entry.id


def image_of(label: int = 3) -> list[list[float]]:
    from tests.service.synthetic import make_images

    images, labels = make_images(64, 7)
    return (images[int(np.flatnonzero(labels == label)[0])] / 255.0).tolist()
