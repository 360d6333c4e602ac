"""The app's services, one object per app, and `Annotated` aliases the routes take as parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends
from starlette.requests import HTTPConnection

from aevp.service.datasource import DataSource
from aevp.service.hub import Hub
from aevp.service.jobs import JobManager
from aevp.service.registry import ModelRegistry
from aevp.settings import Settings


@dataclass
class Services:
    """Everything with state; built by the app factory, reached through `app.state.services`."""

    settings: Settings
    data: DataSource
    registry: ModelRegistry
    jobs: JobManager
    hub: Hub
    ready: bool = False

    def origin_allowed(self, conn: HTTPConnection) -> bool:
        """WebSockets skip CORS, so check the Origin a browser sends: same host, or an allowed origin."""
        origin = conn.headers.get("origin")
        if origin is None or origin in self.settings.cors_origins or "*" in self.settings.cors_origins:
            return True
        return urlsplit(origin).netloc == conn.headers.get("host")


def get_services(conn: HTTPConnection) -> Services:
    return conn.app.state.services


def get_registry(conn: HTTPConnection) -> ModelRegistry:
    return get_services(conn).registry


def get_jobs(conn: HTTPConnection) -> JobManager:
    return get_services(conn).jobs


def get_data(conn: HTTPConnection) -> DataSource:
    return get_services(conn).data


ServicesDep = Annotated[Services, Depends(get_services)]
RegistryDep = Annotated[ModelRegistry, Depends(get_registry)]
JobsDep = Annotated[JobManager, Depends(get_jobs)]
DataDep = Annotated[DataSource, Depends(get_data)]
