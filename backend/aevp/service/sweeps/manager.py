"""`SweepManager`: a sweep's jobs submitted together, cancelled together, and reported side by side.

A sweep is a thin layer over the job manager: its jobs are ordinary jobs (streams, records, resume, models),
queued together without the per-client queue limits (a sweep of 64 would never fit them); instead at most
AEVP_MAX_ACTIVE_SWEEPS sweeps may be queued or running at once. Every combination is validated as a spec and
against the step budget and the dataset before any job is queued: a bad one queues nothing.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from pathlib import Path
from typing import Any

from aevp.service.faults import InvalidField
from aevp.service.jobs import Job, JobManager, QueueFull
from aevp.service.jobs.records import ENDED, now
from aevp.service.schemas import CreateSweep, JobState, SweepInfo, SweepJob, SweepState
from aevp.service.sweeps.grid import GridError, expand
from aevp.service.sweeps.shipped import FOLDER, ShippedSweeps
from aevp.service.sweeps.store import Entry, Sweep, SweepStore

log = logging.getLogger(__name__)

METRICS = ("test_loss", "psnr", "ssim")


class SweepNotFound(LookupError):  # 404
    def __init__(self, sweep_id: str) -> None:
        super().__init__(f"no sweep with id {sweep_id!r}")


class SweepReadOnly(PermissionError):  # 403
    def __init__(self, sweep_id: str) -> None:
        super().__init__(f"sweep {sweep_id!r} is shipped with AeVP and cannot be cancelled")


def sweep_state(states: list[JobState], cancelled: bool) -> SweepState:
    """running while a job is queued or running (queued if none has started); then how the jobs ended."""
    if any(s == "running" for s in states):
        return "running"
    if any(s == "queued" for s in states):
        return "running" if any(s != "queued" for s in states) else "queued"
    if cancelled or "cancelled" in states:
        return "cancelled"
    if "failed" in states:
        return "failed"
    if "interrupted" in states:
        return "interrupted"
    return "done"


class SweepManager:
    def __init__(self, jobs: JobManager, pretrained_dir: Path, max_active: int = 2) -> None:
        self._jobs = jobs
        self._shipped = ShippedSweeps(pretrained_dir / FOLDER)
        self._max_active = max_active
        self._lock = threading.RLock()
        self._sweeps: dict[str, Sweep] | None = None
        self._of_job: dict[str, str] = {}  # job id -> sweep id
        self._store: SweepStore | None = None
        jobs.on_end(self._job_ended)

    def _all(self) -> dict[str, Sweep]:
        with self._lock:
            if self._sweeps is None:
                self._store = SweepStore(self._jobs.db)
                self._sweeps = {s.id: s for s in self._store.load_all()}
                self._of_job = {e.job_id: s.id for s in self._sweeps.values() for e in s.entries}
            return self._sweeps

    @property
    def store(self) -> SweepStore:
        self._all()
        assert self._store is not None
        return self._store

    async def create(self, body: CreateSweep, client: str = "") -> SweepInfo:
        """Validates every combination, then queues one job per combination; raises InvalidField or QueueFull."""
        try:
            combos = expand(body.base, body.grid)
        except GridError as e:
            raise InvalidField(["body", "grid", *([e.field] if e.field else [])], str(e)) from None
        sweeps = self._all()
        active = [s for s in sweeps.values() if self._info(s).state in ("queued", "running")]
        if len(active) >= self._max_active:
            raise QueueFull(
                f"{len(active)} sweeps are queued or running (limit {self._max_active}, AEVP_MAX_ACTIVE_SWEEPS); "
                "wait for one to finish or cancel one"
            )
        for number, (params, spec) in enumerate(combos, start=1):
            try:
                await self._jobs.check(spec)
            except InvalidField as e:
                label = ", ".join(f"{k}={json.dumps(v)}" for k, v in params.items())
                text = f"combination {number} ({label}): {e}"
                raise InvalidField(["body", "grid", next(iter(params))], text) from None
        sweep = Sweep(
            id="s-" + secrets.token_hex(6), created=now(), base=body.base, grid=body.grid, title=body.title,
            client=client,
        )
        submitted: list[Job] = []
        try:
            for params, spec in combos:
                job = await self._jobs.submit(spec, client, queue_limits=False)
                submitted.append(job)
                sweep.entries.append(Entry(job.id, params))
                with self._lock:
                    self._of_job[job.id] = sweep.id
        except BaseException:
            for job in submitted:
                self._jobs.cancel(job.id)
            raise
        with self._lock:
            self.store.insert(sweep)
            sweeps[sweep.id] = sweep
        return self._info(sweep)

    def list(self) -> list[SweepInfo]:
        """The user's sweeps, newest first, then the shipped ones."""
        mine = sorted(self._all().values(), key=lambda s: s.created, reverse=True)
        return [self._info(s) for s in mine] + self._shipped.all()

    def get(self, sweep_id: str) -> SweepInfo:
        sweep = self._all().get(sweep_id)
        if sweep is not None:
            return self._info(sweep)
        for info in self._shipped.all():
            if info.id == sweep_id:
                return info
        raise SweepNotFound(sweep_id)

    def cancel(self, sweep_id: str) -> SweepInfo:
        """Cancels every job not yet ended: queued ones at once, running ones within a batch. Idempotent."""
        sweep = self._all().get(sweep_id)
        if sweep is None:
            if any(info.id == sweep_id for info in self._shipped.all()):
                raise SweepReadOnly(sweep_id)
            raise SweepNotFound(sweep_id)
        if not sweep.cancelled:
            sweep.cancelled = True
            self.store.set_cancelled(sweep.id)
        for entry in sweep.entries:
            job = self._find(entry.job_id)
            if job is not None and not job.finished:
                self._jobs.cancel(job.id)
        return self._info(sweep)

    def _find(self, job_id: str) -> Job | None:
        try:
            return self._jobs.get(job_id)
        except LookupError:
            return None

    def _job_ended(self, job: Job) -> None:
        """Keeps an ended job's result with its sweep (the job store may forget the job later)."""
        sweep_id = self._of_job.get(job.id)
        if sweep_id is None or job.state not in ENDED:
            return
        epochs = self.store.last_epochs([job.id])
        self._remember(sweep_id, job.id, _result(job, epochs.get(job.id)))

    def _remember(self, sweep_id: str, job_id: str, result: dict[str, Any]) -> None:
        with self._lock:
            sweep = (self._sweeps or {}).get(sweep_id)
            if sweep is not None:
                for entry in sweep.entries:
                    if entry.job_id == job_id:
                        entry.result = result
            self.store.set_result(sweep_id, job_id, result)

    def _info(self, sweep: Sweep) -> SweepInfo:
        pending = [e.job_id for e in sweep.entries if e.result is None]
        epochs = self.store.last_epochs(pending)
        rows: list[SweepJob] = []
        for entry in sweep.entries:
            result = entry.result
            if result is None:
                job = self._find(entry.job_id)
                if job is None:  # forgotten before its end was kept (cannot happen after this version's first run)
                    result = {"state": "failed"}
                else:
                    result = _result(job, epochs.get(job.id))
                    if job.state in ENDED:
                        self._remember(sweep.id, job.id, result)
            rows.append(SweepJob(job_id=entry.job_id, params=entry.params, **result))
        return SweepInfo(
            id=sweep.id,
            title=sweep.title,
            created=sweep.created,
            base=sweep.base,
            grid=sweep.grid,
            state=sweep_state([r.state for r in rows], sweep.cancelled),
            job_ids=[e.job_id for e in sweep.entries],
            jobs=rows,
        )


def _result(job: Job, epoch: dict[str, Any] | None) -> dict[str, Any]:
    metrics = {k: (epoch or {}).get(k) for k in METRICS}
    return {"state": job.state, "model_id": job.model_id, **metrics}
