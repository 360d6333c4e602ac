"""Latent maps of a model's test set: GET the map (PCA at once; t-SNE and UMAP start in the background and
answer 202 until ready), and a WebSocket that streams a slow map's progress and then the map itself.
`/projection` is the old name of both; it still works (deprecated in the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from aevp.service import map_socket
from aevp.service.deps import ModelsDep
from aevp.service.guard import GuardedSocket
from aevp.service.models import Models
from aevp.service.routes.params import MODEL_NOT_FOUND, ModelId
from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import LatentMap, LatentMapStatus, MapMethod

router = APIRouter(prefix="/models", tags=["models"], route_class=StrictJSONRoute)
ws_router = APIRouter()

METHOD_EXAMPLES = {
    m: {"summary": s, "value": m}
    for m, s in (
        ("pca", "PCA: instant, linear; the lab places the drawing itself"),
        ("tsne", "t-SNE: 202 while it is computed (~20-40 s for 10,000 points), then the map"),
        ("umap", "UMAP: 202 while it is computed (~20 s), then the map"),
        ("latent", "The latent plane of a 2-D model (422 for other models)"),
    )
}
Method = Annotated[MapMethod, Query(description="pca, tsne, umap or latent", openapi_examples=METHOD_EXAMPLES)]
MAP_RESPONSES: dict[int | str, dict] = {
    **MODEL_NOT_FOUND,
    202: {"model": LatentMapStatus, "description": "t-SNE or UMAP: being computed; follow `stream` or ask again"},
    409: {"description": "The model's dataset is not fetched"},
    422: {"description": "An unknown method, or `latent` for a model whose latent is not 2-D"},
}
MAP_DESCRIPTION = (
    "The test set's latents on a 2-D map: one point per test image with its label. `pca`: computed "
    "on first request (well under a second once the model is loaded), with the PCA's `mean` and "
    "`components` so that a client places any latent (the user's drawing) itself. `tsne` and `umap`: the "
    "first request starts the computation in the background and answers 202 with its status (state, stage, "
    "fraction) and the WebSocket that streams its progress; once done, 200 with the map (kept on disk, so a "
    "restart does not recompute it). Place a latent on them with `maps` in an explore or decode request. "
    "`latent`: a model with a 2-D latent is its own map."
)


async def _map_response(models: Models, model_id: str, method: str) -> LatentMap | JSONResponse:
    result = await models.run(models.latents.map, model_id, method, interactive=False)
    if isinstance(result, LatentMapStatus):
        return JSONResponse(result.model_dump(mode="json"), status_code=202)
    return result


@router.get(
    "/{model_id}/latent-map",
    summary="Latent map",
    response_model=LatentMap,
    responses=MAP_RESPONSES,
    description=MAP_DESCRIPTION,
)
async def get_latent_map(model_id: ModelId, models: ModelsDep, method: Method = "pca") -> LatentMap | JSONResponse:
    return await _map_response(models, model_id, method)


@router.get(
    "/{model_id}/projection",
    summary="Latent map (old path)",
    response_model=LatentMap,
    responses=MAP_RESPONSES,
    description="The old name of `GET /api/models/{model_id}/latent-map`, which it answers exactly.",
    deprecated=True,
)
async def get_projection(model_id: ModelId, models: ModelsDep, method: Method = "pca") -> LatentMap | JSONResponse:
    return await _map_response(models, model_id, method)


@ws_router.websocket("/ws/models/{model_id}/latent-map")
@ws_router.websocket("/ws/models/{model_id}/projection")  # the old name
async def latent_map_socket(sock: GuardedSocket, model_id: str, models: ModelsDep, method: str = "tsne") -> None:
    """Starts (or follows) a map's computation: `map_progress` messages as it goes, then `map_ready` with
    the map, then a normal close; an error closes with 4404 (model), 4422 (method) or 1011 (failed)."""
    await map_socket.stream(sock, models, model_id, method)
