"""The app factory: wires settings, services, routers, error handlers, CORS and the built frontend."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from aevp.service import errors, guard
from aevp.service.datasource import CachedData, DataSource
from aevp.service.deps import Services
from aevp.service.hub import Hub
from aevp.service.jobs import JobManager, Trainer
from aevp.service.jobs.executors import make_executor
from aevp.service.loaded import first_model
from aevp.service.models import Models
from aevp.service.routes import (
    datasets,
    explore,
    health,
    jobs,
    latent_maps,
    models,
    protocol,
    specs,
    sweeps,
    timeline,
    walks,
)
from aevp.service.schemas import PROTOCOL_VERSION
from aevp.settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = f"""Build, train and look inside convolutional autoencoders.

REST under `/api`; three WebSockets (protocol version {PROTOCOL_VERSION}, messages: `GET /api/ws-schema`):
* `/ws/jobs/{{id}}`: a training job's stream: history on connect, then every batch's loss (batched every
  ~100 ms), progress, epoch metrics, snapshots of the probe images, and the end.
* `/ws/models/{{id}}/explore`: send `explore` (an image) or `decode` (a latent) requests, get every layer's
  activations, the latent and the reconstruction back (for `decode`: the decoder layers' activations and the
  reconstruction); the newest request of each type wins.
* `/ws/models/{{id}}/latent-map?method=tsne|umap`: starts (or follows) a latent map's computation: progress,
  then the map (`/ws/models/{{id}}/projection` is its old, deprecated name).

Errors are `{{"detail": ...}}` with a 4xx status that names the problem.
"""


def operation_id(route: APIRoute) -> str:
    """`list_models` -> `listModels`: the names of the generated TypeScript client's functions."""
    head, *rest = route.name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def create_app(
    settings: Settings | None = None, *, data: DataSource | None = None, trainer: Trainer | None = None
) -> FastAPI:
    """A new app with its own services. `data` and `trainer` replace the real datasets and training loop
    (tests use a few hundred synthetic images)."""
    settings = settings or Settings()
    data = data or CachedData(settings.data_dir)
    model_layer = Models(settings.models_dir, settings.pretrained_dir, data, settings.maps_dir)
    model_layer.store.rescan_interval_s = settings.rescan_interval_s
    services = Services(
        settings=settings,
        data=data,
        models=model_layer,
        jobs=JobManager(
            model_layer.store,
            data,
            state_dir=settings.state_dir,
            max_concurrent=settings.max_concurrent_jobs,
            max_queued=settings.max_queued_jobs,
            max_queued_per_client=settings.max_queued_jobs_per_client,
            max_steps=settings.max_job_steps,
            max_seconds=settings.max_job_seconds,
            keep_finished=settings.max_finished_jobs,
            executor=make_executor(settings.ray_address, trainer),
        ),
        hub=Hub(
            settings.max_ws_clients,
            settings.stream_interval_s,
            settings.ws_send_timeout_s,
            losses_per_message=settings.job_stream_chunk,
        ),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.models_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(model_layer.store.tidy, settings.leftover_age_s, settings.maps_dir)
        await asyncio.to_thread(services.jobs.open)  # stored jobs listed; those left running are interrupted
        warm_up = asyncio.create_task(_warm_up(services))
        try:
            yield
        finally:
            warm_up.cancel()
            with contextlib.suppress(BaseException):
                await warm_up
            await services.jobs.shutdown()
            model_layer.close()

    app = FastAPI(
        title="AeVP",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        openapi_tags=[
            {"name": t}
            for t in (
                "health", "datasets", "specs", "models", "explore", "latent space", "jobs", "sweeps", "timeline",
                "protocol",
            )
        ],
    )
    app.state.services = services
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"], allow_headers=["*"])
    errors.install(app)
    guard.install(app)
    for module in (health, datasets, specs, models, latent_maps, explore, walks, jobs, timeline, protocol):
        app.include_router(module.router, prefix="/api")
    app.include_router(sweeps.router, prefix="/api")
    app.include_router(models.upload_router, prefix="/api")
    app.include_router(datasets.import_router, prefix="/api")
    app.include_router(explore.ws_router)
    app.include_router(jobs.ws_router)
    app.include_router(latent_maps.ws_router)
    frontend = settings.frontend_dir
    if frontend is not None and frontend.is_dir():  # last: /api, /ws and /docs take precedence
        app.mount("/", StaticFiles(directory=frontend, html=True), name="frontend")
    return app


async def _warm_up(services: Services) -> None:
    """Before "ready": list the models, load and compile each, verify the datasets' cache, and compute the
    latent statistics and PCA map of the model a new page opens; after it, the other pretrained models'. All of
    it runs on the warming executor, so no request ever queues behind it (a page asks for the listing at once)."""
    model_layer = services.models
    loaded = model_layer.loaded
    warm = services.settings.warm_models
    first = None
    try:
        await loaded.run_warm_up(model_layer.warm_up, warm)
        # The first dataset listing verifies the cache (reads and hashes the arrays): done here, not by a page.
        await loaded.run_warm_up(lambda: [services.data.status(name) for name in services.data.names()])
        first = first_model(model_layer.store.entries())
        if warm and first is not None:
            await loaded.run_warm_up(model_layer.latents.warm, first.id)
    except Exception:  # warm-up is an optimisation: models still load on first use
        log.exception("warm-up failed")
    services.ready = True
    log.info("ready: %d models", model_layer.store.count())
    if warm:
        try:
            if first is not None:
                await loaded.run_warm_up(loaded.compile_batch_sizes, first.id)
            await loaded.run_warm_up(model_layer.latents.warm_pretrained, first.id if first else None)
        except Exception:
            log.exception("latent statistics warm-up failed")
    services.warming = False
