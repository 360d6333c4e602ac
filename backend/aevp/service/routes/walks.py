"""Walks through a latent space: POST an interpolation, a sweep of latent dimensions or prior samples,
get the decoded images back as one ImageBatch."""

from typing import Annotated

from fastapi import APIRouter, Body

from aevp.service import walks
from aevp.service.deps import ModelsDep
from aevp.service.encode import image_array
from aevp.service.limits import LIMIT_RESPONSES, RATE_LIMITED, LimitsDep
from aevp.service.routes.params import MODEL_NOT_FOUND, ModelId, VaeModelId
from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import (
    EXAMPLE_IMAGE,
    EXAMPLE_LATENT,
    InterpolateRequest,
    InterpolateResult,
    SamplesRequest,
    SamplesResult,
    TraverseRequest,
    TraverseResult,
)

# Every walk is rate-limited per client (429); those on the interactive executor also pass its gate (503).
router = APIRouter(prefix="/models", tags=["latent space"], route_class=StrictJSONRoute, dependencies=RATE_LIMITED)

INVERTED = [[255 - v for v in row] for row in EXAMPLE_IMAGE]
INTERPOLATE_EXAMPLES = {
    "strip": {"summary": "8 steps from a digit to its negative", "value": {"a": EXAMPLE_IMAGE, "b": INVERTED}},
    "linear": {
        "summary": "12 steps on a straight line",
        "value": {"a": EXAMPLE_IMAGE, "b": INVERTED, "steps": 12, "path": "linear"},
    },
    "too-many": {
        "summary": "Error 422: more than 32 steps",
        "value": {"a": EXAMPLE_IMAGE, "b": INVERTED, "steps": 100},
    },
}
TRAVERSE_EXAMPLES = {
    "grid": {
        "summary": "A 5 x 5 grid over dimensions 0 and 1",
        "value": {"latent": EXAMPLE_LATENT, "dims": [0, 1], "steps": 5},
    },
    "strip": {
        "summary": "One dimension, ±3 standard deviations",
        "value": {"latent": EXAMPLE_LATENT, "dims": [3], "steps": 9, "span": 3},
    },
    "bad-dim": {
        "summary": "Error 422: dimension 99 of a 16-dimensional latent",
        "value": {"latent": EXAMPLE_LATENT, "dims": [0, 99]},
    },
}


@router.post(
    "/{model_id}/interpolate",
    summary="Interpolate between two images",
    description="Encodes both images (a VAE: their means), walks from a's latent to b's in `steps` steps "
    "(straight, or along the great circle, which keeps a VAE's samples typical) and decodes each one.",
    responses={
        **MODEL_NOT_FOUND,
        422: {"description": "An image is not 28x28, or steps is out of 2..32"},
        **LIMIT_RESPONSES,
    },
)
async def interpolate(
    model_id: ModelId,
    body: Annotated[InterpolateRequest, Body(openapi_examples=INTERPOLATE_EXAMPLES)],
    models: ModelsDep,
    limits: LimitsDep,
) -> InterpolateResult:
    a, b = image_array(body.a), image_array(body.b)
    return await limits.interactive.run(models.run, walks.interpolate, models, model_id, a, b, body.steps, body.path)


@router.post(
    "/{model_id}/traverse",
    summary="Sweep one or two latent dimensions",
    description="Decodes latents around `latent` where the chosen dimensions sweep ± `span` standard deviations "
    "(of that dimension over the test set) and the others stay put: a strip for one dimension, a grid for two. "
    "The first call for a model encodes its test set (about a second).",
    responses={
        **MODEL_NOT_FOUND,
        409: {"description": "The model's dataset is not available to compute the spread of each dimension"},
        422: {"description": "Wrong latent length, a dimension out of range or twice, steps out of 2..16"},
        429: LIMIT_RESPONSES[429],
    },
)
async def traverse(
    model_id: ModelId,
    body: Annotated[TraverseRequest, Body(openapi_examples=TRAVERSE_EXAMPLES)],
    models: ModelsDep,
) -> TraverseResult:
    return await models.run(
        walks.traverse, models, model_id, body.latent, body.dims, body.steps, body.span, interactive=False
    )


@router.post(
    "/{model_id}/samples",
    summary="Sample from a VAE's prior",
    description="Decodes `count` latents drawn from the prior N(0, I): what the VAE generates from nothing. "
    "The same seed gives the same samples.",
    responses={**MODEL_NOT_FOUND, 409: {"description": "The model is not a VAE"}, **LIMIT_RESPONSES},
)
async def samples(model_id: VaeModelId, body: SamplesRequest, models: ModelsDep, limits: LimitsDep) -> SamplesResult:
    return await limits.interactive.run(models.run, walks.samples, models, model_id, body.count, body.seed)
