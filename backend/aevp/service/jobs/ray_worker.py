"""What runs inside a Ray actor: one job's `train()` in a thread, its events kept until the service polls.

The actor is threaded (max_concurrency=2): `run` trains in one thread while `poll` and `stop` answer in the
other. Nothing here imports Ray; `ray_executor.py` wraps the class with `ray.remote`. Events cross to the
service pickled, whatever their class (weights, snapshots, timeline frames: NumPy arrays pickle compactly).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from aevp.ml import events as ev
from aevp.ml.spec import ModelSpec


class TrainRunner:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[ev.TrainEvent] = []
        self._stop = threading.Event()

    def pid(self) -> int:
        return os.getpid()

    def run(self, spec: ModelSpec, train_images: np.ndarray, test_images: np.ndarray, kwargs: dict[str, Any]) -> int:
        """Trains to the end (or a stop), queueing every event; returns how many it yielded."""
        from aevp.ml.train import train

        count = 0
        for event in train(spec, train_images, test_images, should_stop=self._stop.is_set, **kwargs):
            with self._lock:
                self._events.append(event)
            count += 1
        return count

    def poll(self) -> list[ev.TrainEvent]:
        """The events since the last poll, in order."""
        with self._lock:
            events, self._events = self._events, []
        return events

    def stop(self) -> None:
        """Asks the loop to stop after the current batch: it ends with a `cancelled` Finished event."""
        self._stop.set()
