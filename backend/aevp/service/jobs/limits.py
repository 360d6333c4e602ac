"""The job limits: the queue (in all and per client), a step budget checked at submit, a time budget, retention."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aevp.ml.spec import ModelSpec
from aevp.service.faults import InvalidField
from aevp.service.jobs.records import Job, QueueFull


@dataclass(frozen=True)
class Limits:
    max_concurrent: int
    max_queued: int
    max_queued_per_client: int = 2
    max_steps: int = 100_000
    max_seconds: float = 4 * 3600
    keep_finished: int = 200

    def check_budget(self, spec: ModelSpec, train_images: int) -> None:
        """Refuses (422, on the spec's epochs) a job that would train more batches than the step budget."""
        per_epoch = train_images // spec.batch_size
        steps = per_epoch * spec.epochs
        if steps > self.max_steps:
            raise InvalidField(
                ["body", "spec", "epochs"],
                f"this job would train {steps:,} batches ({spec.epochs} epochs of {per_epoch:,} batches of "
                f"{spec.batch_size}); the limit is {self.max_steps:,} (AEVP_MAX_JOB_STEPS): train fewer epochs "
                "or in larger batches",
            )

    def check_room(self, jobs: Iterable[Job], client: str) -> None:
        """QueueFull (429) when the queue is full, or when this client already has its share waiting."""
        jobs = list(jobs)
        queued = [j for j in jobs if j.state == "queued"]
        running = sum(1 for j in jobs if j.state == "running")
        if running + len(queued) >= self.max_concurrent + self.max_queued:
            raise QueueFull(
                f"too many jobs: {running} running and {len(queued)} queued (limit {self.max_queued} queued); "
                "wait for one to finish or cancel one"
            )
        mine = sum(1 for j in queued if j.client == client)
        if mine >= self.max_queued_per_client:
            raise QueueFull(
                f"too many jobs waiting for you: {mine} queued (limit {self.max_queued_per_client} per client, "
                "AEVP_MAX_QUEUED_JOBS_PER_CLIENT); wait for one to start or cancel one"
            )

    def over_time(self, job: Job) -> bool:
        return job.trained_seconds() > self.max_seconds

    def time_message(self) -> str:
        return (
            f"the job trained longer than its budget of {self.max_seconds / 3600:.3g} h (AEVP_MAX_JOB_SECONDS) "
            "and was stopped"
        )

    def to_forget(self, jobs: Iterable[Job]) -> list[Job]:
        """The jobs beyond the newest `keep_finished` that are not queued or running."""
        idle = sorted((j for j in jobs if not j.active), key=lambda j: j.created, reverse=True)
        return idle[self.keep_finished :]
