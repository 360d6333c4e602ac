"""Explore a model: one-off POSTs for scripts, and the WebSocket the UI drives at 60 updates per second."""

from typing import Annotated

from fastapi import APIRouter, Body

from aevp.service import explore, explore_socket
from aevp.service.deps import ModelsDep
from aevp.service.encode import image_array
from aevp.service.guard import GuardedSocket
from aevp.service.limits import LIMIT_RESPONSES, RATE_LIMITED, LimitsDep
from aevp.service.routes.params import MODEL_NOT_FOUND, ModelId
from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import (
    EXAMPLE_IMAGE,
    EXAMPLE_LATENT,
    DecodeRequest,
    DecodeResult,
    ExploreRequest,
    ExploreResult,
)

router = APIRouter(prefix="/models", tags=["explore"], route_class=StrictJSONRoute)
ws_router = APIRouter()

EXPLORE_EXAMPLES = {
    "rows": {"summary": "28 rows of 28, values 0..255", "value": {"image": EXAMPLE_IMAGE}},
    "flat": {"summary": "784 values 0..1, row-major", "value": {"image": [0.0] * 392 + [0.5] * 392}},
    "denoise": {
        "summary": "Gaussian noise of sigma 0.3 applied before encoding (for a denoising model)",
        "value": {"image": EXAMPLE_IMAGE, "corruption": {"kind": "gaussian", "level": 0.3, "seed": 0}},
    },
    "wrong-shape": {
        "summary": "Error 422: 27 rows (the error says so)",
        "value": {"image": EXAMPLE_IMAGE[:27]},
    },
}
DECODE_EXAMPLES = {
    "origin": {"summary": "The origin of a 16-dimensional latent space", "value": {"latent": EXAMPLE_LATENT}},
    "wrong-length": {
        "summary": "Error 422: 3 values for a 16-dimensional latent",
        "value": {"latent": [0, 1, 2]},
    },
}


@router.post(
    "/{model_id}/explore",
    summary="Explore one image",
    description="Runs one 28x28 image through the model: every layer's activations (as Tensor8 heatmaps), "
    "the latent vector, the reconstruction and its error. For scripts; the UI uses "
    "`/ws/models/{id}/explore`.",
    responses={
        **MODEL_NOT_FOUND,
        422: {"description": "The image is not 28x28 numbers in 0..1 or 0..255"},
        **LIMIT_RESPONSES,
    },
    dependencies=RATE_LIMITED,
)
async def explore_model(
    model_id: ModelId,
    body: Annotated[ExploreRequest, Body(openapi_examples=EXPLORE_EXAMPLES)],
    models: ModelsDep,
    limits: LimitsDep,
) -> ExploreResult:
    image = image_array(body.image)
    return await limits.interactive.run(explore.explore_result, models, model_id, image, body.corruption, body.maps)


@router.post(
    "/{model_id}/decode",
    summary="Decode a latent vector",
    description="The reconstruction (784 values 0..1) the decoder makes from one latent vector, and every "
    "decoder layer's activations (as Tensor8 heatmaps, in layer-table order). The latent must have as many "
    "values as the model has latent dimensions.",
    responses={
        **MODEL_NOT_FOUND,
        422: {"description": "Wrong length, or a value that is not a finite number"},
        **LIMIT_RESPONSES,
    },
    dependencies=RATE_LIMITED,
)
async def decode_model(
    model_id: ModelId,
    body: Annotated[DecodeRequest, Body(openapi_examples=DECODE_EXAMPLES)],
    models: ModelsDep,
    limits: LimitsDep,
) -> DecodeResult:
    return await limits.interactive.run(explore.decode_result, models, model_id, body.latent, body.maps)


@ws_router.websocket("/ws/models/{model_id}/explore")
async def explore_model_socket(sock: GuardedSocket, model_id: str, models: ModelsDep, limits: LimitsDep) -> None:
    await explore_socket.serve(sock, models, model_id, limits.interactive)
