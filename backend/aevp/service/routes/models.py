"""GET/DELETE /api/models..., download and upload of a model as one safetensors file."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from aevp.service.deps import ModelsDep
from aevp.service.routes.params import MODEL_NOT_FOUND, ModelId, UserModelId
from aevp.service.routing import StrictJSONRoute, UploadRoute
from aevp.service.schemas import LatentStats, ModelDetail, ModelSummary, UnavailableModel

router = APIRouter(prefix="/models", tags=["models"], route_class=StrictJSONRoute)
# Uploads are large: their own body-size limit (AEVP_MAX_UPLOAD_BYTES).
upload_router = APIRouter(prefix="/models", tags=["models"], route_class=UploadRoute)
UNAVAILABLE = {409: {"description": "The model's folder cannot be used (listed with `available: false`)"}}


def binary_file(description: str) -> dict:
    """The OpenAPI entry of a 200 whose body is a file of bytes."""
    return {200: {"description": description,
                  "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}


@router.get(
    "",
    summary="List models",
    description="Every model: the shipped pretrained ones first, then the user's, newest first. A folder that "
    "cannot be used (no weights, a damaged file, invalid metadata) is listed as an `UnavailableModel` "
    "(`available: false`) with its `problem`: it can be deleted, and using it answers 409.",
)
async def list_models(models: ModelsDep) -> list[ModelSummary | UnavailableModel]:
    return await models.run(models.store.listing, interactive=False)


@router.get(
    "/{model_id}",
    summary="Model details",
    responses={**MODEL_NOT_FOUND, **UNAVAILABLE},
    description="Spec, layer table, final metrics and the training history (every batch's loss and "
    "each epoch's metrics).",
)
async def get_model(model_id: ModelId, models: ModelsDep) -> ModelDetail:
    return await models.run(models.store.detail, model_id, interactive=False)


@router.get(
    "/{model_id}/latent-stats",
    summary="Latent statistics",
    responses={**MODEL_NOT_FOUND, **UNAVAILABLE},
    description="Percentiles, mean and standard deviation of each latent dimension over the test "
    "set: the ranges of the latent sliders. Computed on first request (about a second), then cached.",
)
async def get_latent_stats(model_id: ModelId, models: ModelsDep) -> LatentStats:
    return await models.run(models.latents.stats, model_id, interactive=False)


@router.delete(
    "/{model_id}",
    summary="Delete a model",
    status_code=204,
    response_class=Response,
    responses={**MODEL_NOT_FOUND, 403: {"description": "A pretrained model cannot be deleted"}},
    description="Deletes one of the user's models, usable or not. Pretrained models are read-only (403).",
)
async def delete_model(model_id: UserModelId, models: ModelsDep) -> Response:
    await models.run(models.delete, model_id, interactive=False)
    return Response(status_code=204)


@router.get(
    "/{model_id}/download",
    summary="Download a model",
    response_class=Response,
    description="One `.safetensors` file: the weights, with the spec, metrics and training history as JSON "
    "in its metadata. `POST /api/models/upload` takes it back.",
    responses={**MODEL_NOT_FOUND, **UNAVAILABLE, **binary_file("The model file")},
)
async def download_model(model_id: ModelId, models: ModelsDep) -> Response:
    data = await models.run(models.store.bundle, model_id, interactive=False)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{model_id}.safetensors"'},
    )


@router.get(
    "/{model_id}/decoder",
    summary="The decoder's weights",
    response_class=Response,
    description="The decoder alone as a `.safetensors` file, for a page to decode slider codes itself (the lab "
    "does: a slider drag then needs no round trip). Tensors `<layer>.kernel` (HWIO; a dense layer's (in, out)) "
    "and `<layer>.bias` for each decoder layer; metadata `format` (`aevp-decoder-1`), `activation` and `layers` "
    "(JSON: the decoder rows of the layer table in the order data flows). docs/api.md has the arithmetic.",
    responses={**MODEL_NOT_FOUND, **UNAVAILABLE, **binary_file("The decoder file")},
)
async def get_decoder(model_id: ModelId, models: ModelsDep) -> Response:
    data = await models.run(models.store.decoder, model_id, interactive=False)
    return Response(data, media_type="application/octet-stream")


@upload_router.post(
    "/upload",
    summary="Upload a model",
    status_code=201,
    description="A file from `GET /api/models/{id}/download` (multipart field `file`). It is validated (a "
    "safetensors file whose metadata holds a valid spec, metrics and history within the format's bounds and whose "
    "tensors match the spec; nothing is unpickled) and saved as a new model of the user's; an invalid file is a 422 "
    "naming the field (`metrics.psnr: ...`) and nothing is stored. 413 over the size limit "
    "(`AEVP_MAX_UPLOAD_BYTES`).",
    responses={
        413: {"description": "The file is over the size limit"},
        422: {"description": "Not a valid model file; `detail` names the field and says why"},
    },
)
async def upload_model(
    file: Annotated[UploadFile, File(description="A .safetensors model file")], models: ModelsDep
) -> ModelSummary:
    entry = await models.run(models.store.upload, await file.read(), interactive=False)
    return entry.summary()
