"""GET/DELETE /api/models..., download and upload of a model as one safetensors file."""

from typing import Annotated

from fastapi import APIRouter, File, Path, UploadFile
from fastapi.responses import Response

from aevp.service.deps import RegistryDep
from aevp.service.errors import field_error
from aevp.service.routing import StrictJSONRoute, UploadRoute
from aevp.service.schemas import LatentStats, ModelDetail, ModelSummary

router = APIRouter(prefix="/models", tags=["models"], route_class=StrictJSONRoute)
# Uploads are large: their own body-size limit (AEVP_MAX_UPLOAD_BYTES).
upload_router = APIRouter(prefix="/models", tags=["models"], route_class=UploadRoute)

PRETRAINED_ID = "ae-32-64-l16-mnist"
ModelId = Annotated[
    str,
    Path(
        description="A model id from `GET /api/models`",
        openapi_examples={"pretrained": {"summary": "A shipped model", "value": PRETRAINED_ID}},
    ),
]
# Example ids are illustrative: a user model's id is made when it is saved. The examples test
# (tests/service/test_examples.py) substitutes real ids for USER_MODEL_EXAMPLE and job ids.
USER_MODEL_EXAMPLE = "ae-8-l8-mnist-20250101-120000-a1b2c3"
UserModelId = Annotated[
    str,
    Path(
        description="A model id from `GET /api/models`",
        openapi_examples={
            "user": {"summary": "One of your models", "value": USER_MODEL_EXAMPLE},
            "pretrained": {"summary": "Error 403: a shipped model is read-only", "value": PRETRAINED_ID},
        },
    ),
]
NOT_FOUND = {404: {"description": "No model with this id"}}


@router.get(
    "",
    summary="List models",
    description="Every model: the shipped pretrained ones first, then the user's, newest first.",
)
async def list_models(registry: RegistryDep) -> list[ModelSummary]:
    entries = await registry.run(registry.scan, interactive=False)
    return [e.summary() for e in entries]


@router.get(
    "/{model_id}",
    summary="Model details",
    responses=NOT_FOUND,
    description="Spec, layer table, final metrics and the training history (every batch's loss and "
    "each epoch's metrics).",
)
async def get_model(model_id: ModelId, registry: RegistryDep) -> ModelDetail:
    return await registry.run(registry.detail, model_id, interactive=False)


@router.get(
    "/{model_id}/latent-stats",
    summary="Latent statistics",
    responses=NOT_FOUND,
    description="Percentiles, mean and standard deviation of each latent dimension over the test "
    "set: the ranges of the latent sliders. Computed on first request (about a second), then cached.",
)
async def get_latent_stats(model_id: ModelId, registry: RegistryDep) -> LatentStats:
    return await registry.run(registry.latent_stats, model_id, interactive=False)


@router.delete(
    "/{model_id}",
    summary="Delete a model",
    status_code=204,
    response_class=Response,
    responses={**NOT_FOUND, 403: {"description": "A pretrained model cannot be deleted"}},
    description="Deletes one of the user's models. Pretrained models are read-only (403).",
)
async def delete_model(model_id: UserModelId, registry: RegistryDep) -> Response:
    await registry.run(registry.delete, model_id, interactive=False)
    return Response(status_code=204)


@router.get(
    "/{model_id}/download",
    summary="Download a model",
    response_class=Response,
    description="One `.safetensors` file: the weights, with the spec, metrics and training history as JSON "
    "in its metadata. `POST /api/models/upload` takes it back.",
    responses={
        **NOT_FOUND,
        200: {
            "description": "The model file",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        },
    },
)
async def download_model(model_id: ModelId, registry: RegistryDep) -> Response:
    data = await registry.run(registry.bundle, model_id, interactive=False)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{model_id}.safetensors"'},
    )


@upload_router.post(
    "/upload",
    summary="Upload a model",
    status_code=201,
    description="A file from `GET /api/models/{id}/download` (multipart field `file`). It is validated (a "
    "safetensors file whose metadata holds a valid spec and whose tensors match it; nothing is unpickled) "
    "and saved as a new model of the user's. 413 over the size limit (`AEVP_MAX_UPLOAD_BYTES`).",
    responses={
        413: {"description": "The file is over the size limit"},
        422: {"description": "Not a valid model file; `detail` says why"},
    },
)
async def upload_model(
    file: Annotated[UploadFile, File(description="A .safetensors model file")], registry: RegistryDep
) -> ModelSummary:
    from aevp.ml.checkpoint import CheckpointError, from_bundle

    data = await file.read()
    try:
        spec, params, metrics, history = await registry.run(from_bundle, data, interactive=False)
    except CheckpointError as e:
        raise field_error(["body", "file"], f"not a valid model file: {e}") from None
    entry = await registry.run(registry.save, spec, params, metrics, history, interactive=False)
    return entry.summary()
