"""A job's record (what the store keeps and the API shows) with its live parts, and the jobs' failures."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aevp.ml.spec import ModelSpec
from aevp.service.schemas import ExecutorName, JobInfo, JobState, Progress
from aevp.service.topic import Topic

ACTIVE: tuple[JobState, ...] = ("queued", "running")
ENDED: tuple[JobState, ...] = ("done", "cancelled", "failed")


class JobNotFound(LookupError):  # 404
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job with id {job_id!r}")


class QueueFull(Exception):  # 429
    pass


class JobNotResumable(Exception):  # 409
    def __init__(self, job_id: str, state: str) -> None:
        super().__init__(f"job {job_id!r} is {state}: only an interrupted job can be resumed")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Job:
    """One job. The fields up to `executor` are stored; the rest exist only while this process runs it."""

    id: str
    spec: ModelSpec
    created: datetime = field(default_factory=now)
    state: JobState = "queued"
    model_id: str | None = None
    error: str | None = None
    started: datetime | None = None
    ended: datetime | None = None
    checkpoint_epoch: int = 0
    saved_progress: Progress | None = None  # the newest progress stored; the live topic's wins while it runs
    client: str = ""  # who submitted it (an IP address), for the per-client queue limit
    executor: ExecutorName = "local"  # where it runs (or ran last)
    topic: Topic | None = None  # the stream of a job run by this process; stored jobs load theirs on demand
    stop: threading.Event = field(default_factory=threading.Event)
    future: Future[None] | None = None
    cancel_requested: bool = False
    seconds_before: float = 0.0  # training time spent before this run (a resumed job's earlier runs)
    run_started: float | None = None  # time.monotonic() when this run started
    over_budget: bool = False

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def finished(self) -> bool:
        return self.state in ENDED

    def trained_seconds(self) -> float:
        running = time.monotonic() - self.run_started if self.run_started is not None else 0.0
        return self.seconds_before + running

    def progress(self) -> Progress:
        p = self.topic.progress if self.topic is not None and self.topic.progress is not None else self.saved_progress
        if p is None:
            p = Progress(
                epoch=0, epochs=self.spec.epochs, step=0, total_steps=0, images_per_s=None, eta_s=None, fraction=0.0
            )
        if self.state == "done" and p.fraction < 1:
            p = p.model_copy(update={"fraction": 1.0, "eta_s": 0.0})
        return p

    def info(self) -> JobInfo:
        return JobInfo(
            id=self.id,
            state=self.state,
            spec=self.spec,
            created=self.created,
            progress=self.progress(),
            model_id=self.model_id,
            error=self.error,
            started=self.started,
            ended=self.ended,
            checkpoint_epoch=self.checkpoint_epoch,
            executor=self.executor,
        )
