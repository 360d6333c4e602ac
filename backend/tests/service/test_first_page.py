"""Nothing a page needs waits behind background work: the warm-up after "ready" never holds up a request."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from aevp.ml.spec import ModelSpec
from aevp.service.app import create_app
from aevp.service.loaded import first_model
from tests.service.conftest import TINY, image_of, make_settings, save_untrained, ws_connect
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData


@dataclass
class Entry:
    """The fields of a ModelEntry that first_model reads."""

    id: str
    spec: ModelSpec
    pretrained: bool
    created: datetime


def entry(model_id: str, *, pretrained: bool, dataset: str = "mnist", variant: str = "plain", day: int = 1) -> Any:
    spec = TINY.model_copy(update={"dataset": dataset, "variant": variant})
    return Entry(model_id, spec, pretrained, datetime(2024, 1, day, tzinfo=UTC))


def test_first_model_is_the_one_the_lab_opens() -> None:
    """Same order as frontend/src/state/views.ts initialModel, over the listing's order (pretrained first)."""
    vae = entry("vae-mnist", pretrained=True, variant="vae")
    fashion = entry("ae-fashion", pretrained=True, dataset="fashion-mnist")
    plain = entry("ae-mnist", pretrained=True)
    old, new = entry("mine-old", pretrained=False, day=1), entry("mine-new", pretrained=False, day=9)
    assert first_model([fashion, vae, plain, new, old]).id == "ae-mnist"
    assert first_model([fashion, vae, new]).id == "vae-mnist"
    assert first_model([fashion, old, new]).id == "ae-fashion"
    assert first_model([old, new]).id == "mine-new"
    assert first_model([]) is None


class GatedData(SyntheticData):
    """Synthetic data whose `gated` dataset loads only once the gate opens: the warm-up that needs it stalls."""

    def __init__(self, gated: str) -> None:
        super().__init__()
        self.gated = gated
        self.gate = threading.Event()
        self.waiting = threading.Event()

    def load(self, name: str) -> Any:
        if name == self.gated and not self.gate.is_set():
            self.waiting.set()
            self.gate.wait(60)
        return super().load(name)


@pytest.fixture()
def stalled(tmp_path: Path) -> Any:
    """A server whose warm-up after "ready" is stuck on another model's dataset for as long as the test runs."""
    pretrained = tmp_path / "pretrained"
    save_untrained(pretrained, TINY, "tiny-mnist")
    save_untrained(pretrained, TINY.model_copy(update={"dataset": "fashion-mnist"}), "tiny-fashion")
    data = GatedData("fashion-mnist")
    app = create_app(make_settings(tmp_path, pretrained_dir=pretrained, warm_models=True), data=data)
    live = LiveServer(app)
    try:
        yield live.start(), data
    finally:
        data.gate.set()
        live.stop()


def test_a_page_never_waits_behind_the_warm_up(stalled: Any) -> None:
    server, data = stalled
    latents = server.services.models.latents
    # The page's model got its latent statistics before "ready" (no first page computes them) ...
    assert "tiny-mnist" in latents._stats
    assert data.waiting.wait(30), "the warm-up after ready never reached the other model"
    # ... and while the warm-up is stuck on another model, everything the lab asks on boot answers.
    with httpx.Client(base_url=server.url, timeout=5) as client:
        t0 = time.perf_counter()
        assert {m["id"] for m in client.get("/api/models").json()} == {"tiny-fashion", "tiny-mnist"}
        assert client.get("/api/models/tiny-mnist").status_code == 200
        assert client.get("/api/datasets").status_code == 200
        assert client.get("/api/models/tiny-mnist/latent-stats").json()["count"] == 128
        assert client.get("/api/models/tiny-mnist/latent-map", params={"method": "pca"}).status_code == 200
        with ws_connect(server, "/ws/models/tiny-mnist/explore") as ws:
            ws.send(json.dumps({"v": 1, "type": "explore", "request_id": 1, "image": image_of()}))
            assert json.loads(ws.recv(timeout=5))["type"] == "explore_result"
        elapsed = time.perf_counter() - t0
    assert not data.gate.is_set(), "the warm-up must still be stuck for this to show anything"
    assert elapsed < 5, f"the first page took {elapsed:.1f} s"
