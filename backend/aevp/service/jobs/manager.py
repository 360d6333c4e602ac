"""Training jobs: a queue, a few worker threads, cancel, resume, limits; records kept in SQLite across restarts.

One `JobManager` per app owns every job. Training runs in worker threads, off the event loop: the loop is
synchronous NumPy/JAX work and JAX releases the GIL while it computes, so a thread costs the event loop little
(measured: see tests/service/test_streaming.py and `cd backend && python -m bench.service`). Jobs keep running
when every client has gone; the manager, not a connection, owns them. Every loss, epoch and state change is
written to the job store as it happens and each epoch end leaves a resumable checkpoint, so a job the server
stopped (or lost in a crash) is listed as `interrupted` and `resume` continues it after its last finished epoch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aevp.ml import events as ev
from aevp.ml.events import TrainState
from aevp.ml.spec import ModelSpec
from aevp.service.datasource import DataSource
from aevp.service.jobs import resume as checkpoints
from aevp.service.jobs.executor import Executor, LocalExecutor, WorkerLost
from aevp.service.jobs.limits import Limits
from aevp.service.jobs.publish import TopicCache, Trainer, load_topic, publish, start_progress
from aevp.service.jobs.records import Job, JobNotFound, JobNotResumable, now
from aevp.service.jobs.store import JobStore
from aevp.service.schemas import EndMessage, JobDetail, JobState
from aevp.service.store import ModelStore
from aevp.service.topic import Topic

log = logging.getLogger(__name__)

SNAPSHOT_INTERVAL_S = 0.5
PROBE_COUNT = 8
LOADED_TOPICS = 16  # streams of ended jobs kept in memory after a client asked for one
STOPPED = "the server stopped while this job was queued or running"


class JobManager:
    def __init__(
        self,
        store: ModelStore,
        data: DataSource,
        *,
        state_dir: Path,
        max_concurrent: int,
        max_queued: int,
        max_queued_per_client: int = 2,
        max_steps: int = 100_000,
        max_seconds: float = 4 * 3600,
        keep_finished: int = 200,
        trainer: Trainer | None = None,
        executor: Executor | None = None,
    ) -> None:
        self._store = store
        self._data = data
        self._state_dir = state_dir
        self._limits = Limits(max_concurrent, max_queued, max_queued_per_client, max_steps, max_seconds, keep_finished)
        self.executor = executor or LocalExecutor(trainer)
        self._on_end: list[Callable[[Job], None]] = []
        self._jobs: dict[str, Job] = {}
        self._db: JobStore | None = None
        self._open_lock = threading.Lock()
        self._topics = TopicCache(LOADED_TOPICS)  # streams of ended jobs, read back or kept after they ended
        # With Ray these threads only relay events: max_concurrent then bounds the jobs on the whole cluster.
        self._workers = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="aevp-train")
        self._stopping = False

    @property
    def checkpoint_dir(self) -> Path:
        return self._state_dir / "jobs"

    @property
    def db(self) -> JobStore:
        """The job store, opened on first use: jobs a stopped process left queued or running become interrupted."""
        with self._open_lock:
            if self._db is None:
                db = JobStore(self._state_dir / "jobs.sqlite3")
                interrupted = db.interrupt_active(STOPPED, now())
                self._jobs.update({job.id: job for job in db.load_all()})
                checkpoints.remove_leftovers(self.checkpoint_dir)
                self._db = db
                log.info(
                    "job store %s: %d jobs, %d interrupted by the last stop", db.path, len(self._jobs), interrupted
                )
        return self._db

    def open(self) -> None:
        """Opens the store now (start-up) rather than on the first request."""
        self._prune(self.db)

    # --- the event loop side ---------------------------------------------------------------------

    async def check(self, spec: ModelSpec) -> None:
        """Fails now, not in the worker: DataUnavailable, or InvalidField over the step budget."""
        data = await asyncio.to_thread(self._data.load, spec.dataset)
        self._limits.check_budget(spec, data.train_images.shape[0])

    async def submit(self, spec: ModelSpec, client: str = "", *, queue_limits: bool = True) -> Job:
        """Queue a job; raises QueueFull, InvalidField or DataUnavailable. A sweep's jobs skip the queue limits."""
        db = self.db
        loop = asyncio.get_running_loop()
        await self.check(spec)
        if queue_limits:
            self._limits.check_room(self._jobs.values(), client)
        topic = Topic(loop, spec.layers())
        job = Job(id=secrets.token_hex(6), spec=spec, client=client, topic=topic, executor=self.executor.name)
        db.insert(job)
        self._jobs[job.id] = job
        self._prune(db)
        job.future = self._workers.submit(self._run, job, None)
        return job

    async def resume(self, job_id: str, client: str = "") -> Job:
        """Queue an interrupted job again; it continues after its last checkpointed epoch (or from the start)."""
        db, job = self.db, self.get(job_id)
        if job.state != "interrupted":
            raise JobNotResumable(job_id, job.state)
        loop = asyncio.get_running_loop()
        data = await asyncio.to_thread(self._data.load, job.spec.dataset)
        self._limits.check_room(self._jobs.values(), client)
        try:
            state = await asyncio.to_thread(checkpoints.load, self.checkpoint_dir, job.id)
        except checkpoints.CheckpointUnreadable as e:  # cannot happen through our atomic writes; say so
            log.warning("job %s: checkpoint unreadable, training again from the start: %s", job.id, e)
            state = None
        history = state.history if state is not None else {"losses": [], "epochs": []}
        await asyncio.to_thread(db.truncate, job.id, len(history["losses"]), len(history["epochs"]))
        topic = Topic(loop, job.spec.layers())
        start_progress(topic, job.spec, state, data.train_images.shape[0])
        job.topic, job.state, job.error, job.ended, job.client = topic, "queued", None, None, client
        job.checkpoint_epoch = state.epoch if state is not None else 0
        job.stop, job.cancel_requested, job.over_budget = threading.Event(), False, False
        job.executor = self.executor.name
        self._topics.drop(job.id)
        db.save(job)
        job.future = self._workers.submit(self._run, job, state)
        return job

    def list(self) -> list[Job]:
        self.db  # noqa: B018 (opens the store: the first listing shows the stored jobs)
        return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def get(self, job_id: str) -> Job:
        self.db  # noqa: B018
        job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFound(job_id)
        return job

    async def topic(self, job_id: str) -> Topic:
        """The job's stream: live for a job this process runs, else read back from the store (then cached)."""
        job = self.get(job_id)
        if job.topic is not None:
            return job.topic
        if (topic := self._topics.get(job_id)) is not None:
            return topic
        topic = await asyncio.to_thread(load_topic, self.db, job, asyncio.get_running_loop())
        self._topics.put(job_id, topic)
        return topic

    async def detail(self, job_id: str) -> JobDetail:
        topic = await self.topic(job_id)
        job = self.get(job_id)
        losses, epochs = topic.history()
        return JobDetail(**job.info().model_dump(), losses=losses, epochs=epochs, **topic.history_terms())

    def cancel(self, job_id: str) -> Job:
        """Ask a job to stop; a queued or interrupted one ends now, a running one within a batch. Idempotent."""
        job = self.get(job_id)
        if job.finished:
            return job
        job.cancel_requested = True
        job.stop.set()
        if job.state == "interrupted" or (job.state == "queued" and job.future is not None and job.future.cancel()):
            self._end(job, "cancelled")
        return job

    async def shutdown(self, timeout_s: float = 30.0) -> None:
        """A graceful stop: every queued or running job ends as interrupted (resumable), within a batch."""
        self._stopping = True
        for job in self._jobs.values():
            job.stop.set()
        self._workers.shutdown(wait=False, cancel_futures=True)
        for job in list(self._jobs.values()):
            if job.state == "queued" and job.future is not None and job.future.cancelled():
                self._end(job, "interrupted", error=STOPPED)
        running = [j.future for j in self._jobs.values() if j.future is not None and not j.future.done()]
        if running:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*(asyncio.wrap_future(f) for f in running), return_exceptions=True), timeout_s
                )
        await asyncio.to_thread(self.executor.close)
        if self._db is not None and all(j.future is None or j.future.done() for j in self._jobs.values()):
            self._db.close()  # else a worker still writes; the process's exit closes the file

    def _prune(self, db: JobStore) -> None:
        """Deletes the jobs (records, checkpoints) beyond the retention limit."""
        old = self._limits.to_forget(self._jobs.values())
        if old:
            db.delete([j.id for j in old])
        for job in old:
            self._jobs.pop(job.id, None)
            checkpoints.remove(self.checkpoint_dir, job.id)
            self._topics.drop(job.id)

    # --- the worker thread side ------------------------------------------------------------------

    def _end(self, job: Job, state: JobState, model_id: str | None = None, error: str | None = None) -> None:
        """Records the job's end and tells its subscribers; an interrupted job keeps its checkpoint."""
        job.model_id, job.error, job.state, job.ended = model_id, error, state, now()
        job.seconds_before, job.run_started = job.trained_seconds(), None
        topic = job.topic
        if topic is not None:
            job.saved_progress = job.progress()
        self.db.save(job)
        if state != "interrupted":
            checkpoints.remove(self.checkpoint_dir, job.id)
        if topic is not None:
            topic.finish(EndMessage(state=state, model_id=model_id, error=error))
            self._topics.put(job.id, topic)  # the ended stream joins the cache: the job no longer pins it
            job.topic = None
        for callback in self._on_end:
            try:
                callback(job)
            except Exception:  # a listener's failure must not fail the job
                log.exception("job %s: an end listener failed", job.id)

    def on_end(self, callback: Callable[[Job], None]) -> None:
        """Calls `callback(job)` after each job ends (done, cancelled, failed or interrupted), from any thread."""
        self._on_end.append(callback)

    def _run(self, job: Job, state: TrainState | None) -> None:
        if job.stop.is_set():
            if job.cancel_requested:
                self._end(job, "cancelled")
            else:
                self._end(job, "interrupted", error=STOPPED)
            return
        job.state, job.started, job.error = "running", now(), None
        job.seconds_before = state.train_seconds if state is not None else 0.0
        job.run_started = time.monotonic()
        self.db.save(job)
        try:
            self._train(job, state)
        except WorkerLost as e:  # a Ray worker or node died: say so, and free this thread for the next job
            log.warning("job %s: %s", job.id, e)
            if job.active:
                self._end(job, "failed", error=str(e))
        except Exception as e:  # the job fails, with its reason; the server stays up
            log.exception("job %s failed", job.id)
            self._end(job, "failed", error=f"{type(e).__name__}: {e}")
        if job.active:
            self._end(job, "failed", error="training ended without reporting a result")

    def _should_stop(self, job: Job) -> bool:
        if job.stop.is_set():
            return True
        if self._limits.over_time(job):
            job.over_budget = True
            return True
        return False

    def _train(self, job: Job, state: TrainState | None) -> None:
        """Runs the job on the executor; every event it relays is published here, whatever the executor."""
        data = self._data.load(job.spec.dataset)
        options = {
            "snapshot_interval_s": SNAPSHOT_INTERVAL_S,
            "probe_count": PROBE_COUNT,
            "test_labels": data.test_labels,
        }

        def emit(event: ev.TrainEvent) -> bool:
            ended = publish(job, event, self.db, self.checkpoint_dir)
            if ended is not None:
                self._finish(job, ended)
                return True
            return False

        self.executor.run(job.spec, data, state, options, lambda: self._should_stop(job), emit)

    def _finish(self, job: Job, event: ev.Finished) -> None:
        if event.state == "done":
            if event.params is None:
                self._end(job, "failed", error="training finished without weights")
                return
            entry = self._store.save(job.spec, event.params, dict(event.metrics or {}), event.history,
                                     timeline=event.timeline)
            topic = job.topic
            last = topic.progress if topic is not None else None
            if topic is not None and last is not None and last.fraction < 1:  # the bar reaches 100% for all
                topic.set_progress(last.model_copy(update={"step": last.total_steps, "fraction": 1.0, "eta_s": 0.0}))
            self._end(job, "done", model_id=entry.id)
        elif event.state == "cancelled" and job.cancel_requested:
            self._end(job, "cancelled")
        elif event.state == "cancelled" and job.over_budget:
            self._end(job, "failed", error=self._limits.time_message())
        elif event.state == "cancelled" and self._stopping:
            self._end(job, "interrupted", error=STOPPED)
        elif event.state == "cancelled":
            self._end(job, "cancelled")
        else:
            self._end(job, "failed", error=event.error or "training failed")
