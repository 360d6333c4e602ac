"""The interactive path without a server: the worker process and the in-process fallback give one answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from aevp.ml.spec import ModelSpec
from aevp.service.batch_compute import DecodeItem, ExploreItem
from aevp.service.loaded import LoadedModels
from aevp.service.store import ModelStore
from tests.service.conftest import TINY, make_settings, save_untrained


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ModelStore:
    root = tmp_path_factory.mktemp("worker")
    save_untrained(root / "pretrained", TINY, "tiny")
    return ModelStore(root / "models", root / "pretrained")


def answers(store: ModelStore, tmp: Path, process: bool) -> list:
    loaded = LoadedModels(store, make_settings(tmp, interactive_process=process))
    entry = store.get("tiny")
    images = np.random.default_rng(0).uniform(size=(5, 28, 28)).astype(np.float32)

    async def main() -> list:
        explored = [loaded.explore(entry, ExploreItem(im, layers=frozenset({"dec_dense"}) if i == 1 else None))
                    for i, im in enumerate(images)]
        decoded = [loaded.decode(entry, DecodeItem(np.full(TINY.latent_dim, 0.5, np.float32)))]
        return await asyncio.gather(*explored, *decoded)

    try:
        return asyncio.run(main())
    finally:
        loaded.close()


def test_the_worker_and_the_fallback_agree(store: ModelStore, tmp_path: Path) -> None:
    in_worker, here = answers(store, tmp_path, True), answers(store, tmp_path, False)
    table = [r.name for r in ModelSpec.model_validate(TINY.model_dump()).layers() if r.name != "latent"]
    for a, b in zip(in_worker, here, strict=True):
        assert a.type == b.type and [x.name for x in a.layers] == [x.name for x in b.layers]
        for name, arr in a.arrays.items():
            assert np.allclose(arr, b.arrays[name], atol=1e-5), name
    assert [x.name for x in in_worker[0].layers] == table and [x.name for x in in_worker[1].layers] == ["dec_dense"]
    assert in_worker[0].scalars["ssim"] is not None and in_worker[0].arrays["latent"].shape == (TINY.latent_dim,)
    decoded = in_worker[-1]
    assert decoded.type == "decode_result" and {x.name for x in decoded.layers} <= set(table)
    assert all(x.part == "decoder" for x in decoded.layers) and decoded.arrays["reconstruction"].shape == (784,)


def test_a_broken_folder_is_a_checkpoint_error(store: ModelStore, tmp_path: Path) -> None:
    from aevp.ml.checkpoint import CheckpointError

    loaded = LoadedModels(store, make_settings(tmp_path, interactive_process=True))
    entry = store.get("tiny")
    gone = type(entry)(**{**entry.__dict__, "path": tmp_path / "missing"})
    try:
        with pytest.raises(CheckpointError):
            asyncio.run(loaded.explore(gone, ExploreItem(np.zeros((28, 28), np.float32))))
        # The worker is still there for the next request.
        ok = asyncio.run(loaded.explore(entry, ExploreItem(np.zeros((28, 28), np.float32))))
        assert ok.type == "explore_result"
    finally:
        loaded.close()


def test_concurrent_calls_get_their_own_replies_and_a_dead_child_is_replaced(store: ModelStore) -> None:
    import os
    import signal
    from concurrent.futures import ThreadPoolExecutor

    from aevp.service.inference_worker import WorkerError, WorkerProcess

    entry = store.get("tiny")
    key = (entry.id, "v1")
    worker = WorkerProcess()
    try:
        def latent_of(value: float) -> np.ndarray:
            answers = worker.call("explore", key, entry.path, [ExploreItem(np.full((28, 28), value, np.float32))])
            return answers[0].arrays["latent"]

        values = [i / 20 for i in range(20)]
        alone = [latent_of(v) for v in values]
        with ThreadPoolExecutor(4) as pool:  # replies come back in any order; each finds its call
            together = list(pool.map(latent_of, values))
        for a, b in zip(alone, together, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-5)

        assert worker._running is not None
        first = worker._running.proc
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        try:  # a call racing the reader thread's noticing fails with a clear error; later calls get a new child
            latent_of(0.5)
        except WorkerError as died:
            assert died.kind == "WorkerDied"
        np.testing.assert_allclose(latent_of(0.5), alone[10], atol=1e-5)
        assert worker._running is not None and worker._running.proc.pid != first.pid
    finally:
        worker.close()
