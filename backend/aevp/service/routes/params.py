"""Path parameters and error responses that several routers share, with their OpenAPI examples."""

from typing import Annotated

from fastapi import Path

PRETRAINED_ID = "ae-32-64-l16-mnist"
PRETRAINED_VAE_ID = "vae-32-64-l16-mnist"
# Example ids are illustrative: a user model's id is made when it is saved. The examples test
# (tests/service/test_examples.py) substitutes real ids for USER_MODEL_EXAMPLE and job ids.
USER_MODEL_EXAMPLE = "ae-8-l8-mnist-20250101-120000-a1b2c3"

ModelId = Annotated[
    str,
    Path(
        description="A model id from `GET /api/models`",
        openapi_examples={"pretrained": {"summary": "A shipped model", "value": PRETRAINED_ID}},
    ),
]
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
VaeModelId = Annotated[
    str,
    Path(
        description="A VAE's id from `GET /api/models`",
        openapi_examples={
            "vae": {"summary": "The shipped MNIST VAE", "value": PRETRAINED_VAE_ID},
            "plain": {"summary": "Error 409: a plain autoencoder has no prior", "value": PRETRAINED_ID},
        },
    ),
]
JobId = Annotated[
    str,
    Path(
        description="A job id from `POST /api/jobs`",
        openapi_examples={"job": {"summary": "A job id", "value": "3f9c2a1b7d4e"}},
    ),
]
DatasetName = Annotated[
    str,
    Path(
        description="mnist or fashion-mnist",
        openapi_examples={"mnist": {"value": "mnist"}, "fashion": {"value": "fashion-mnist"}},
    ),
]

MODEL_NOT_FOUND = {404: {"description": "No model with this id"}}
JOB_NOT_FOUND = {404: {"description": "No job with this id"}}
