"""Training jobs: a queue, a few worker threads, cancel, and a checkpoint when a job finishes.

One `JobManager` per app owns every job. Training runs in worker threads, off the event loop: the loop
is synchronous NumPy/JAX work and JAX releases the GIL while it computes, so a thread costs the event
loop little (measured: see tests/service/test_streaming.py and `cd backend && python -m bench.service`). Jobs
keep running when every client has gone; the manager, not a connection, owns them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from aevp.ml import events as ev
from aevp.ml.spec import ModelSpec
from aevp.service.datasource import DataSource
from aevp.service.schemas import (
    VAE_EPOCH_FIELDS,
    EndMessage,
    EpochMetrics,
    JobDetail,
    JobInfo,
    JobState,
    Progress,
)
from aevp.service.store import ModelStore
from aevp.service.topic import RawSnapshot, Topic

log = logging.getLogger(__name__)

# train(spec, train_images, test_images, *, should_stop, snapshot_interval_s, probe_count) -> events
Trainer = Callable[..., Iterator[ev.TrainEvent]]
MAX_FINISHED_JOBS = 100  # finished jobs are kept (with their loss history) for the UI; older ones go
SNAPSHOT_INTERVAL_S = 0.5
PROBE_COUNT = 8


class JobNotFound(LookupError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job with id {job_id!r}")


class QueueFull(Exception):
    pass


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


@dataclass
class Job:
    id: str
    spec: ModelSpec
    topic: Topic
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    state: JobState = "queued"
    model_id: str | None = None
    error: str | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    future: Future[None] | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "cancelled", "failed")

    def progress(self) -> Progress:
        p = self.topic.progress
        if p is None:
            p = Progress(
                epoch=0,
                epochs=self.spec.epochs,
                step=0,
                total_steps=0,
                images_per_s=None,
                eta_s=None,
                fraction=0.0,
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
        )

    def detail(self) -> JobDetail:
        losses, epochs = self.topic.history()
        return JobDetail(**self.info().model_dump(), losses=losses, epochs=epochs, **self.topic.history_terms())


class JobManager:
    def __init__(
        self,
        store: ModelStore,
        data: DataSource,
        *,
        max_concurrent: int,
        max_queued: int,
        trainer: Trainer | None = None,
    ) -> None:
        self._store = store
        self._data = data
        self._max_queued = max_queued
        self._max_concurrent = max_concurrent
        self._trainer = trainer
        self._jobs: dict[str, Job] = {}
        self._executor = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="aevp-train")
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- the event loop side ---------------------------------------------------------------------

    async def submit(self, spec: ModelSpec) -> Job:
        """Queue a job; raises QueueFull, or DataUnavailable when its dataset is not here."""
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self._data.load, spec.dataset)  # fail now, not in the worker
        queued = sum(1 for j in self._jobs.values() if j.state == "queued")
        running = sum(1 for j in self._jobs.values() if j.state == "running")
        if running + queued >= self._max_concurrent + self._max_queued:
            raise QueueFull(
                f"too many jobs: {running} running and {queued} queued (limit {self._max_queued} queued); "
                "wait for one to finish or cancel one"
            )
        job = Job(id=secrets.token_hex(6), spec=spec, topic=Topic(self._loop, spec.layers()))
        self._jobs[job.id] = job
        self._forget_old()
        job.future = self._executor.submit(self._run, job)
        return job

    def list(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFound(job_id)
        return job

    def cancel(self, job_id: str) -> Job:
        """Ask a job to stop; a queued one ends now, a running one within a batch. Idempotent."""
        job = self.get(job_id)
        job.stop.set()
        if job.state == "queued" and job.future is not None and job.future.cancel():
            self._end(job, "cancelled")
        return job

    async def shutdown(self, timeout_s: float = 30.0) -> None:
        """Stop every job (each stops within a batch) and wait for the workers."""
        for job in self._jobs.values():
            job.stop.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        running = [j.future for j in self._jobs.values() if j.future is not None and not j.future.done()]
        if running:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*(asyncio.wrap_future(f) for f in running), return_exceptions=True),
                    timeout_s,
                )

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.finished]
        for job in sorted(finished, key=lambda j: j.created)[: max(0, len(finished) - MAX_FINISHED_JOBS)]:
            del self._jobs[job.id]

    # --- the worker thread side ------------------------------------------------------------------

    def _end(self, job: Job, state: str, model_id: str | None = None, error: str | None = None) -> None:
        job.model_id, job.error = model_id, error
        job.state = state  # type: ignore[assignment]
        job.topic.finish(EndMessage(state=state, model_id=model_id, error=error))  # type: ignore[arg-type]

    def _run(self, job: Job) -> None:
        if job.stop.is_set():
            self._end(job, "cancelled")
            return
        job.state = "running"
        try:
            self._train(job)
        except Exception as e:  # the job fails, with its reason; the server stays up
            log.exception("job %s failed", job.id)
            self._end(job, "failed", error=f"{type(e).__name__}: {e}")
        if not job.finished:
            self._end(job, "failed", error="training ended without reporting a result")

    def _train(self, job: Job) -> None:
        trainer = self._trainer
        if trainer is None:
            from aevp.ml.train import train as trainer
        data = self._data.load(job.spec.dataset)
        events = trainer(
            job.spec,
            data.train_images,
            data.test_images,
            should_stop=job.stop.is_set,
            snapshot_interval_s=SNAPSHOT_INTERVAL_S,
            probe_count=PROBE_COUNT,
        )
        for event in events:
            if self._on_event(job, event):
                return

    def _on_event(self, job: Job, event: ev.TrainEvent) -> bool:
        """Publishes one training event to the job's topic; True once the job has ended."""
        match event:
            case ev.BatchLosses():
                vae_terms = {"recon": event.recon, "kl": event.kl}
                terms = {k: [float(v) for v in vals] for k, vals in vae_terms.items() if vals is not None}
                job.topic.add_losses(event.start_step, [float(v) for v in event.values], terms or None)
            case ev.Progress():
                total = max(int(event.total_steps), 1)
                job.topic.set_progress(
                    Progress(
                        epoch=event.epoch,
                        epochs=event.epochs,
                        step=event.step,
                        total_steps=event.total_steps,
                        images_per_s=_finite(event.images_per_s),
                        eta_s=_finite(event.eta_s),
                        fraction=min(max(event.step / total, 0.0), 1.0),
                    )
                )
            case ev.Snapshot():
                job.topic.set_snapshot(
                    RawSnapshot(
                        step=event.step,
                        inputs=np.asarray(event.inputs),
                        reconstructions=np.asarray(event.reconstructions),
                        activations={k: np.asarray(v) for k, v in event.activations.items()},
                    )
                )
            case ev.EpochEnd():
                job.topic.add_epoch(
                    EpochMetrics(
                        epoch=event.epoch,
                        train_loss=_finite(event.train_loss),
                        test_loss=_finite(event.test_loss),
                        psnr=_finite(event.psnr),
                        ssim=_finite(event.ssim),
                        **{k: _finite(getattr(event, k)) for k in VAE_EPOCH_FIELDS},
                    )
                )
            case ev.Finished():
                self._finish(job, event)
                return True
        return False

    def _finish(self, job: Job, event: ev.Finished) -> None:
        if event.state == "done":
            if event.params is None:
                self._end(job, "failed", error="training finished without weights")
                return
            entry = self._store.save(job.spec, event.params, dict(event.metrics or {}), event.history)
            last = job.topic.progress
            if last is not None and last.fraction < 1:  # every subscriber sees the bar reach 100%
                job.topic.set_progress(
                    last.model_copy(update={"step": last.total_steps, "fraction": 1.0, "eta_s": 0.0})
                )
            self._end(job, "done", model_id=entry.id)
        elif event.state == "cancelled":
            self._end(job, "cancelled")
        else:
            self._end(job, "failed", error=event.error or "training failed")
