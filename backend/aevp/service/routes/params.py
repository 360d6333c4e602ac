"""Path parameters and error responses that several routers share, with their OpenAPI examples."""

from typing import Annotated, Any

from fastapi import Path

PRETRAINED_ID = "ae-32-64-l16-mnist"
PRETRAINED_VAE_ID = "vae-32-64-l16-mnist"
# Example ids are illustrative: a user model's id is made when it is saved. The examples test
# (tests/service/test_examples.py) substitutes real ids for USER_MODEL_EXAMPLE and job ids.
USER_MODEL_EXAMPLE = "ae-8-l8-mnist-20250101-120000-a1b2c3"


def _path(description: str, **examples: tuple[str | None, str]) -> Any:
    """A path parameter with named OpenAPI examples, each (summary or None, value)."""
    named = {k: {"value": v} if s is None else {"summary": s, "value": v} for k, (s, v) in examples.items()}
    return Path(description=description, openapi_examples=named)


MODEL = "A model id from `GET /api/models`"
ModelId = Annotated[str, _path(MODEL, pretrained=("A shipped model", PRETRAINED_ID))]
UserModelId = Annotated[
    str,
    _path(
        MODEL,
        user=("One of your models", USER_MODEL_EXAMPLE),
        pretrained=("Error 403: a shipped model is read-only", PRETRAINED_ID),
    ),
]
VaeModelId = Annotated[
    str,
    _path(
        "A VAE's id from `GET /api/models`",
        vae=("The shipped MNIST VAE", PRETRAINED_VAE_ID),
        plain=("Error 409: a plain autoencoder has no prior", PRETRAINED_ID),
    ),
]
JobId = Annotated[str, _path("A job id from `POST /api/jobs`", job=("A job id", "3f9c2a1b7d4e"))]
DatasetName = Annotated[
    str,
    _path(
        "A dataset from `GET /api/datasets`: mnist, fashion-mnist, quickdraw or one you imported",
        mnist=(None, "mnist"),
        fashion=(None, "fashion-mnist"),
    ),
]

MODEL_NOT_FOUND = {404: {"description": "No model with this id"}}
JOB_NOT_FOUND = {404: {"description": "No job with this id"}}
