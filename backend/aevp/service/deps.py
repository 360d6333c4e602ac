"""The app's services, one object per app, and `Annotated` aliases the routes take as parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from aevp.service.datasource import DataSource
from aevp.service.hub import Hub
from aevp.service.jobs import JobManager
from aevp.service.limits import Limits
from aevp.service.models import Models
from aevp.service.sweeps import SweepManager
from aevp.settings import Settings


@dataclass
class Services:
    """Everything with state; built by the app factory, reached through `app.state.services`."""

    settings: Settings
    data: DataSource
    models: Models
    jobs: JobManager
    hub: Hub
    ready: bool = False
    warming: bool = True  # after `ready`, until the background warm-up (statistics, batch sizes) is done
    limits: Limits = field(init=False)  # made from the settings: sockets, rates, the interactive queue
    sweeps: SweepManager = field(init=False)  # grids of jobs, over the job manager

    def __post_init__(self) -> None:
        self.limits = Limits(self.settings)
        self.sweeps = SweepManager(self.jobs, self.settings.pretrained_dir, self.settings.max_active_sweeps)


def get_services(conn: HTTPConnection) -> Services:
    return conn.app.state.services


def get_models(conn: HTTPConnection) -> Models:
    return get_services(conn).models


def get_jobs(conn: HTTPConnection) -> JobManager:
    return get_services(conn).jobs


def get_data(conn: HTTPConnection) -> DataSource:
    return get_services(conn).data


def get_sweeps(conn: HTTPConnection) -> SweepManager:
    return get_services(conn).sweeps


ServicesDep = Annotated[Services, Depends(get_services)]
ModelsDep = Annotated[Models, Depends(get_models)]
JobsDep = Annotated[JobManager, Depends(get_jobs)]
DataDep = Annotated[DataSource, Depends(get_data)]
SweepsDep = Annotated[SweepManager, Depends(get_sweeps)]
