"""Which executor the service (and `aevp sweep`) trains with: Ray when an address is set, else local threads."""

from __future__ import annotations

from aevp.service.jobs.executor import Executor, LocalExecutor
from aevp.service.jobs.publish import Trainer


def make_executor(ray_address: str, trainer: Trainer | None = None) -> Executor:
    """A RayExecutor for an address (Ray is imported only then, on the first job), else a LocalExecutor."""
    if ray_address:
        from aevp.service.jobs.ray_executor import RayExecutor

        return RayExecutor(ray_address)
    return LocalExecutor(trainer)
