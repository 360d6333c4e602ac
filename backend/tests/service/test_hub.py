"""The stream's bookkeeping without a server: cursors, latest-wins snapshots, contiguous losses."""

from __future__ import annotations

import asyncio
import json
import threading

import numpy as np

from aevp.ml.spec import ModelSpec
from aevp.service.schemas import EndMessage, EpochMetrics, Progress
from aevp.service.topic import Cursor, RawSnapshot, Topic

SPEC = ModelSpec(blocks=[{"filters": 2, "kernel": 3}], latent_dim=2)


def snapshot(step: int) -> RawSnapshot:
    acts = {row.name: np.zeros((2, *row.shape), np.float32) for row in SPEC.layers()}
    return RawSnapshot(step, np.zeros((2, 28, 28)), np.zeros((2, 28, 28)), acts)


def test_cursor_reads_each_loss_once_and_only_the_newest_snapshot() -> None:
    async def scenario() -> None:
        topic = Topic(asyncio.get_running_loop(), SPEC.layers())
        cursor = Cursor()
        topic.add_losses(0, [1.0, 2.0])
        topic.add_losses(2, [3.0])
        for step in (1, 2, 3):
            topic.set_snapshot(snapshot(step))
        update = topic.read(cursor)
        assert update.start_step == 0 and update.losses.tolist() == [1.0, 2.0, 3.0]
        assert json.loads(topic.snapshot_json())["step"] == 3  # the unsent older ones are gone
        topic.add_losses(3, [4.0])
        topic.add_epoch(EpochMetrics(epoch=1, train_loss=1.0, test_loss=1.0, psnr=10.0, ssim=0.5))
        update = topic.read(cursor)
        assert update.start_step == 3 and update.losses.tolist() == [4.0] and update.snapshot_seq == 0
        assert [e.epoch for e in update.epochs] == [1]
        assert topic.read(cursor).losses.size == 0
        late = Cursor()  # a subscriber arriving now starts from the beginning
        assert topic.read(late).losses.tolist() == [1.0, 2.0, 3.0, 4.0]

    asyncio.run(scenario())


def test_overlapping_losses_are_not_duplicated() -> None:
    async def scenario() -> None:
        topic = Topic(asyncio.get_running_loop(), SPEC.layers())
        topic.add_losses(0, [1.0, 2.0, 3.0])
        topic.add_losses(2, [3.0, 4.0])
        assert topic.history()[0] == [1.0, 2.0, 3.0, 4.0]

    asyncio.run(scenario())


def test_publishing_from_a_thread_wakes_subscribers_once_per_burst() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        topic = Topic(loop, SPEC.layers())
        event = asyncio.Event()
        topic.subscribe(event)
        calls = 0
        original = loop.call_soon_threadsafe

        def counting(*args):  # type: ignore[no-untyped-def]
            nonlocal calls
            calls += 1
            return original(*args)

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign]

        def produce() -> None:
            for step in range(1000):
                topic.add_losses(step, [float(step)])
            topic.set_progress(
                Progress(epoch=1, epochs=1, step=1000, total_steps=1000, images_per_s=1.0, eta_s=0.0, fraction=1.0)
            )
            topic.finish(EndMessage(state="done", model_id="m", error=None))

        thread = threading.Thread(target=produce)
        thread.start()
        await asyncio.wait_for(event.wait(), 5)
        await asyncio.to_thread(thread.join)
        await asyncio.sleep(0.01)
        update = topic.read(Cursor())
        assert update.losses.size == 1000 and update.end is not None and update.progress.fraction == 1.0
        assert calls < 1000, "wake-ups are coalesced while one is pending"

    asyncio.run(scenario())
