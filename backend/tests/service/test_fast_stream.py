"""A trainer as fast as a GPU's (thousands of batches a second): every loss still arrives, in order,
batched into about ten messages a second; progress and snapshots arrive newest-first, not one per event."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from aevp.ml.spec import ModelSpec
from aevp.ml.train import BatchLosses, EpochEnd, Finished, Progress, Snapshot
from aevp.service.app import create_app
from tests.service.conftest import TINY, make_settings, random_params, read_until_closed, ws_connect
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData

SECONDS = 2.0
PER_MS = 5  # batch losses per millisecond: 5,000 a second


def fast_trainer(spec: ModelSpec, train_images, test_images, *, should_stop, **_: object) -> Iterator[object]:
    acts = {row.name: np.random.rand(8, *row.shape).astype(np.float32) for row in spec.layers()}
    probes = np.random.rand(8, 28, 28).astype(np.float32)
    start, step, last_snapshot = time.monotonic(), 0, 0.0
    total = int(SECONDS * 1000) * PER_MS
    while step < total:
        if should_stop():
            yield Finished("cancelled")
            return
        values = [1.0 / (1 + (step + i) / 1000) for i in range(PER_MS)]
        yield BatchLosses(1, step, values)
        step += PER_MS
        now = time.monotonic()
        yield Progress(1, 1, step, total, step * spec.batch_size / max(now - start, 1e-9), 0.0)
        if now - last_snapshot > 0.5:
            last_snapshot = now
            yield Snapshot(step, 1, probes, probes, acts)
        time.sleep(0.001)
    yield EpochEnd(1, 0.5, 0.5, 20.0, 0.8)
    yield Finished("done", random_params(spec), {"test_loss": 0.5}, {"losses": [], "epochs": []})


@pytest.fixture(scope="module")
def fast_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("fast")
    live = LiveServer(
        create_app(make_settings(tmp), data=SyntheticData(n_train=64, n_test=32), trainer=fast_trainer)
    ).start()
    yield live
    live.stop()


def test_every_loss_arrives_in_about_ten_messages_a_second(fast_server: LiveServer) -> None:
    with httpx.Client(base_url=fast_server.url, timeout=30) as client:
        job_id = client.post("/api/jobs", json={"spec": TINY.model_dump()}).json()["id"]
        with ws_connect(fast_server, f"/ws/jobs/{job_id}") as ws:
            messages = read_until_closed(ws, timeout_s=60)
    values = list(messages[1]["losses"])
    losses_messages = [m for m in messages if m["type"] == "losses"]
    for m in losses_messages:
        assert m["start_step"] == len(values)
        values += m["values"]
    total = int(SECONDS * 1000) * PER_MS
    assert len(values) == total and values[0] == 1.0 and values[-1] == pytest.approx(1 / (1 + (total - 1) / 1000))
    # Batched about every 100 ms (the loop runs a little longer than SECONDS): not one message per batch.
    print(f"\n{len(values)} losses in {len(losses_messages)} messages")
    assert len(losses_messages) <= 4 * SECONDS / 0.1, len(losses_messages)
    progress = [m for m in messages if m["type"] == "progress"]
    assert len(progress) <= 4 * SECONDS / 0.1 and progress[-1]["fraction"] == 1.0
    assert 1 <= len([m for m in messages if m["type"] == "snapshot"]) <= 2 * SECONDS / 0.5 + 1
    assert messages[-1]["type"] == "end" and messages[-1]["state"] == "done"
