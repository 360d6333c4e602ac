"""Walks through a model's latent space: interpolation, sweeps of latent dimensions and samples from a
VAE's prior. Each answer carries its latents and the decoded images as one ImageBatch."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from aevp.service.schemas.common import EXAMPLE_IMAGE, EXAMPLE_LATENT, Image, Latent, Request, Response

MAX_INTERPOLATION_STEPS = 32
MAX_SWEEP_STEPS = 16
MAX_SAMPLES = 64
DEFAULT_SPAN = 2.5

Path = Literal["linear", "spherical"]


class ImageBatch(Response):
    """Several 28x28 images in 0..1, quantised to bytes: one base64 string instead of N x 784 numbers."""

    count: int
    height: int
    width: int
    data: str = Field(
        description="Base64 of count x height x width uint8 (value x 255, rounded), image by image, row-major"
    )


class InterpolateRequest(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"a": EXAMPLE_IMAGE, "b": [[255 - v for v in row] for row in EXAMPLE_IMAGE],
                                         "steps": 8}]}
    )

    a: Image
    b: Image
    steps: Annotated[int, Field(ge=2, le=MAX_INTERPOLATION_STEPS)] = Field(
        8, description="Images in the strip, a's and b's reconstructions included"
    )
    path: Path | None = Field(
        None, description="linear, or spherical (along the great circle); null: spherical for a VAE, else linear"
    )


class InterpolateResult(Response):
    path: Path = Field(description="The path taken")
    latents: list[list[float]] = Field(description="steps x D latents, from a's to b's")
    images: ImageBatch = Field(description="The decoded latents, in the same order")


class TraverseRequest(Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"latent": EXAMPLE_LATENT, "dims": [0, 1], "steps": 5}]}
    )

    latent: Latent = Field(description="The centre of the sweep (e.g. the latent of the current input)")
    dims: Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1, max_length=2)] = Field(
        description="One dimension (a strip) or two (a grid: x is dims[0], y is dims[1])"
    )
    steps: Annotated[int, Field(ge=2, le=MAX_SWEEP_STEPS)] = Field(9, description="Values per swept dimension")
    span: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] | None = Field(
        None,
        description=f"Half-width of the sweep in units of each dimension's standard deviation over the test set "
        f"(default {DEFAULT_SPAN})",
    )


class TraverseResult(Response):
    dims: list[int]
    values: list[list[float]] = Field(description="Per swept dimension, the values it takes, ascending")
    latents: list[list[float]] = Field(description="The decoded latents, in image order")
    images: ImageBatch = Field(
        description="One dimension: `steps` images. Two: steps x steps, row-major, row r at values[1][r] "
        "and column c at values[0][c]"
    )


class SamplesRequest(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"count": 16, "seed": 0}]})

    count: Annotated[int, Field(ge=1, le=MAX_SAMPLES)] = 16
    seed: int = Field(0, ge=0, le=2**31 - 1, description="The same seed draws the same samples")


class SamplesResult(Response):
    latents: list[list[float]] = Field(description="count x D draws from the prior N(0, I)")
    images: ImageBatch
