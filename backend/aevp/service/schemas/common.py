"""What every router's models share: the request and response bases, images, latents and heatmap tensors."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from aevp.ml.spec import IMAGE_SIZE

IMAGE_SIDE = IMAGE_SIZE
IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE
MAX_LATENT_DIM = 64


class Request(BaseModel):
    """A body the client sends: unknown fields and NaN/Infinity are errors, not surprises."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Response(BaseModel):
    """A body the server sends. Non-finite floats (a diverged loss) serialise as null."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


def optional_in_schema(*names: str, examples: list[Any] | None = None) -> Any:
    """A `json_schema_extra` that leaves `names` out of `required`: fields a message carries only for
    some models (a VAE's terms), so clients built before them, and their tests, stay valid."""

    def extra(schema: dict[str, Any]) -> None:
        if "required" in schema:
            schema["required"] = [n for n in schema["required"] if n not in names]
        if examples is not None:
            schema["examples"] = examples

    return extra


# --- images and latents ------------------------------------------------------------------------

Pixel = Annotated[float, Field(ge=0, le=255, allow_inf_nan=False)]
FlatImage = Annotated[list[Pixel], Field(min_length=IMAGE_PIXELS, max_length=IMAGE_PIXELS)]
ImageRows = Annotated[
    list[Annotated[list[Pixel], Field(min_length=IMAGE_SIDE, max_length=IMAGE_SIDE)]],
    Field(min_length=IMAGE_SIDE, max_length=IMAGE_SIDE),
]
_SHAPES = f"{IMAGE_PIXELS} numbers or {IMAGE_SIDE} rows of {IMAGE_SIDE}"


def image_problem(value: Any) -> str:
    """Names what is wrong with something that should be a 28x28 image (one message, not a union's ten)."""
    if not isinstance(value, list):
        return f"image must be a list ({_SHAPES}), not {type(value).__name__}"
    rows = value if value and isinstance(value[0], list) else None
    if rows is None:
        if len(value) != IMAGE_PIXELS:
            return f"image has {len(value)} values; expected {IMAGE_PIXELS} (or {IMAGE_SIDE} rows of {IMAGE_SIDE})"
        cells = [(i // IMAGE_SIDE, i % IMAGE_SIDE, v) for i, v in enumerate(value)]
    else:
        if len(rows) != IMAGE_SIDE:
            return f"image has {len(rows)} rows; expected {IMAGE_SIDE}"
        cells = []
        for r, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != IMAGE_SIDE:
                n = len(row) if isinstance(row, list) else type(row).__name__
                return f"image row {r} has {n} values; expected {IMAGE_SIDE}"
            cells += [(r, c, v) for c, v in enumerate(row)]
    for r, c, v in cells:
        if isinstance(v, bool) or not isinstance(v, int | float):
            return f"image pixel ({r}, {c}) is {v!r}: pixels must be numbers"
        if not math.isfinite(v) or not 0 <= v <= 255:
            return f"image pixel ({r}, {c}) is {v}: pixels must be in 0..1 or 0..255"
    return f"image must be {_SHAPES} numbers in 0..1 or 0..255"


def _concise_image_error(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError("image_invalid", image_problem(value)) from None


Image = Annotated[
    FlatImage | ImageRows,
    WrapValidator(_concise_image_error),
    Field(
        description=f"{IMAGE_SIDE}x{IMAGE_SIDE} pixels, as {IMAGE_SIDE} rows of {IMAGE_SIDE} or as {IMAGE_PIXELS} "
        "numbers in row-major order. Values in 0..1, "
        "or 0..255 (an image with any value above 1 is read as 0..255 and divided by 255)."
    ),
]
Latent = Annotated[
    list[Annotated[float, Field(allow_inf_nan=False)]],
    Field(min_length=1, max_length=MAX_LATENT_DIM, description="One value per latent dimension"),
]


def _example_image() -> list[list[int]]:
    rows = [[0] * IMAGE_SIDE for _ in range(IMAGE_SIDE)]
    for r in range(6, 22):
        rows[r][13] = rows[r][14] = 255  # a vertical stroke: a "1"
    return rows


EXAMPLE_IMAGE: list[list[int]] = _example_image()
EXAMPLE_LATENT: list[float] = [0.0] * 16


# --- heatmaps -----------------------------------------------------------------------------------


class Tensor8(Response):
    """A heatmap stack as bytes: value = lo[c] + (hi[c] - lo[c]) * byte / 255."""

    shape: list[int] = Field(description="[C, H, W]; a vector of D units travels as [1, 1, D]")
    lo: list[float | None] = Field(description="Per-channel minimum (C values)")
    hi: list[float | None] = Field(description="Per-channel maximum (C values)")
    data: str = Field(description="Base64 of C*H*W uint8, channel-major then row-major")


class LayerActivation(Response):
    name: str
    part: Literal["encoder", "decoder"]
    kind: Literal["conv", "maxpool", "dense", "tconv"]
    tensor: Tensor8
