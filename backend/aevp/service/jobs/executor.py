"""Where a job's training loop runs: the executor interface, and `LocalExecutor` (this process, the default).

The manager owns the queue, the records and the stream; an executor only runs `train()` for one job and hands
every event it yields, in order, to `emit` (which publishes it to the job's stream and store). Events are passed
on as they are, whatever their class, so a new kind of training event needs no change here. `emit` returns True
once the job has ended (its `Finished` event); the executor then returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from aevp.data import Dataset
from aevp.ml import events as ev
from aevp.ml.events import TrainState
from aevp.ml.spec import ModelSpec
from aevp.service.jobs.priority import lower_xla_pool
from aevp.service.jobs.publish import Trainer
from aevp.service.schemas import ExecutorName

Emit = Callable[[ev.TrainEvent], bool]


class WorkerLost(RuntimeError):
    """The process training a job died (a Ray worker or its node); the job fails with this message."""


class Executor(Protocol):
    name: ExecutorName

    def run(
        self,
        spec: ModelSpec,
        data: Dataset,
        state: TrainState | None,
        options: dict[str, Any],
        should_stop: Callable[[], bool],
        emit: Emit,
    ) -> None:
        """Trains `spec` on `data` (from `state` when resuming), emitting each event; raises on a lost worker."""
        ...

    def close(self) -> None: ...


def train_args(state: TrainState | None, options: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of one `train()` call, the same wherever it runs."""
    extra = {"resume": state} if state is not None else {}
    return {**options, **extra}


class LocalExecutor:
    """The training loop in the calling thread (one of the manager's workers): nothing else to start."""

    name: ExecutorName = "local"

    def __init__(self, trainer: Trainer | None = None) -> None:
        self._trainer = trainer

    def run(
        self,
        spec: ModelSpec,
        data: Dataset,
        state: TrainState | None,
        options: dict[str, Any],
        should_stop: Callable[[], bool],
        emit: Emit,
    ) -> None:
        trainer = self._trainer
        if trainer is None:
            from aevp.ml.train import train as trainer
        lower_xla_pool()  # the interactive worker process goes first (jobs/priority.py)
        events = trainer(
            spec, data.train_images, data.test_images, should_stop=should_stop, **train_args(state, options)
        )
        for event in events:
            if emit(event):
                return

    def close(self) -> None:
        pass

