"""Latent maps of a model's test set: GET the map (PCA at once; t-SNE and UMAP start in the background and
answer 202 until ready), and a WebSocket that streams a slow map's progress and then the map itself."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

from fastapi import APIRouter, Query, WebSocket
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError

from aevp.service.datasource import DataUnavailable
from aevp.service.deps import RegistryDep, get_services
from aevp.service.hub import CLOSE_NOT_FOUND, TooManyClients
from aevp.service.maps import MapUnavailable
from aevp.service.registry import ModelNotFound, ModelRegistry
from aevp.service.routes.models import NOT_FOUND, ModelId
from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import (
    ErrorMessage,
    MapMethod,
    MapProgressMessage,
    MapReadyMessage,
    MapStatus,
    Projection,
)

router = APIRouter(prefix="/models", tags=["models"], route_class=StrictJSONRoute)
ws_router = APIRouter()

CLOSE_INVALID = 4422  # an unknown method, or a map this model cannot have
CLOSE_FAILED = 1011  # the computation itself failed
POLL_S = 0.2  # how often the stream looks at the computation's progress (it sends only changes)
_method = TypeAdapter(MapMethod)

METHOD_EXAMPLES = {
    m: {"summary": s, "value": m}
    for m, s in (
        ("pca", "PCA: instant, linear; the lab places the drawing itself"),
        ("tsne", "t-SNE: 202 while it is computed (~20-40 s for 10,000 points), then the map"),
        ("umap", "UMAP: 202 while it is computed (~20 s), then the map"),
        ("latent", "The latent plane of a 2-D model (422 for other models)"),
    )
}


@router.get(
    "/{model_id}/projection",
    summary="Latent map",
    response_model=Projection,
    responses={
        **NOT_FOUND,
        202: {"model": MapStatus, "description": "t-SNE or UMAP: being computed; follow `stream` or ask again"},
        409: {"description": "The model's dataset is not fetched"},
        422: {"description": "An unknown method, or `latent` for a model whose latent is not 2-D"},
    },
    description="The test set's latents on a 2-D map: one point per test image with its label. `pca`: computed "
    "on first request (well under a second once the model is loaded), with the PCA's `mean` and "
    "`components` so that a client places any latent (the user's drawing) itself. `tsne` and `umap`: the "
    "first request starts the computation in the background and answers 202 with its status (state, stage, "
    "fraction) and the WebSocket that streams its progress; once done, 200 with the map (kept on disk, so a "
    "restart does not recompute it). Place a latent on them with `maps` in an explore or decode request. "
    "`latent`: a model with a 2-D latent is its own map.",
)
async def get_projection(
    model_id: ModelId,
    registry: RegistryDep,
    method: Annotated[
        MapMethod, Query(description="pca, tsne, umap or latent", openapi_examples=METHOD_EXAMPLES)
    ] = "pca",
) -> Projection | JSONResponse:
    result = await registry.run(registry.maps.get, model_id, method, interactive=False)
    if isinstance(result, MapStatus):
        return JSONResponse(result.model_dump(mode="json"), status_code=202)
    return result


@ws_router.websocket("/ws/models/{model_id}/projection")
async def projection_socket(ws: WebSocket, model_id: str, method: str = "tsne") -> None:
    """Starts (or follows) a map's computation: `map_progress` messages as it goes, then `map_ready` with
    the map, then a normal close; an error closes with 4404 (model), 4422 (method) or 1011 (failed)."""
    services = get_services(ws)
    if not services.origin_allowed(ws):
        await ws.close(1008)
        return
    try:
        async with services.hub.admit(ws):
            await _stream(ws, services.registry, model_id, method)
    except TooManyClients:
        return


async def _stream(ws: WebSocket, registry: ModelRegistry, model_id: str, method: str) -> None:
    try:
        method = _method.validate_python(method)
        first = await registry.run(registry.maps.get, model_id, method, interactive=False)
    except (ValidationError, ModelNotFound, MapUnavailable, DataUnavailable) as e:
        code = CLOSE_NOT_FOUND if isinstance(e, ModelNotFound) else CLOSE_INVALID
        message = (
            f"unknown map method {method!r}; expected pca, tsne, umap or latent"
            if isinstance(e, ValidationError)
            else str(e)
        )
        await _close(ws, ErrorMessage(message=message), code)
        return
    state: Projection | MapStatus | None = first
    last: tuple | None = None
    while True:
        if isinstance(state, Projection):
            await _close(ws, MapReadyMessage(projection=state), 1000)
            return
        if state is None or state.state == "failed":
            error = state.error if state is not None else "the computation was dropped (model deleted?)"
            await _close(ws, ErrorMessage(message=f"{method} map failed: {error}"), CLOSE_FAILED)
            return
        now = (state.state, state.stage, state.fraction)
        if now != last:
            progress = MapProgressMessage(
                method=state.method, state=state.state, stage=state.stage, fraction=state.fraction
            )
            await ws.send_text(progress.model_dump_json())
            last = now
        await asyncio.sleep(POLL_S)
        state = registry.maps.status(model_id, method)


async def _close(ws: WebSocket, message: MapReadyMessage | ErrorMessage, code: int) -> None:
    with contextlib.suppress(Exception):  # the client may be gone already
        await ws.send_text(message.model_dump_json())
        await ws.close(code)
