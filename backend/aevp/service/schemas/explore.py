"""`/api/models/{id}/explore` and `/decode`: one image through the model, or one latent through the decoder."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from aevp.service import examples
from aevp.service.schemas.common import (
    EXAMPLE_IMAGE,
    EXAMPLE_LATENT,
    IMAGE_PIXELS,
    Image,
    Latent,
    LayerActivation,
    Request,
    Response,
    optional_in_schema,
)
from aevp.service.schemas.maps import PlacedMap


class Corruption(Request):
    """Noise applied to the input before encoding, the way a denoising model's training inputs are."""

    kind: Literal["gaussian", "mask"] = Field(description="gaussian: add noise of sigma `level`, clipped to 0..1; "
                                              "mask: set a random fraction `level` of the pixels to 0")
    level: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = Field(
        description="Noise sigma (gaussian) or fraction of pixels zeroed (mask), 0..1"
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="The same seed gives the same noise")


CORRUPTION_FIELD_DESCRIPTION = (
    "Optional: corrupt the image before encoding (the reconstruction is then compared with the clean image); "
    "meant for denoising models, allowed for any"
)
MAPS_FIELD_DESCRIPTION = (
    "Optional: latent maps to place this latent on (their positions come back in `map_positions`). "
    "tsne and umap are placed once their map is ready (`GET /api/models/{id}/latent-map`); latent needs a "
    "model with a 2-D latent"
)
MapList = Annotated[list[PlacedMap], Field(max_length=3, description=MAPS_FIELD_DESCRIPTION)]
MAP_POSITIONS_DESCRIPTION = (
    "With `maps` in the request: [x, y] on each requested map that is ready (a map still being computed "
    "is absent); null otherwise"
)
_RECONSTRUCTION = f"{IMAGE_PIXELS} values 0..1, row-major"


class ExploreRequest(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"image": EXAMPLE_IMAGE}]})

    image: Image
    corruption: Corruption | None = Field(None, description=CORRUPTION_FIELD_DESCRIPTION)
    maps: MapList | None = None


class DecodeRequest(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"latent": EXAMPLE_LATENT}]})

    latent: Latent
    maps: MapList | None = None


class ExploreResult(Response):
    model_config = ConfigDict(
        json_schema_extra=optional_in_schema(
            "latent_sigma", "corrupted", "map_positions", examples=[examples.EXPLORE_RESULT]
        )
    )

    latent: list[float | None]
    reconstruction: list[float | None] = Field(description=_RECONSTRUCTION)
    activations: list[LayerActivation] = Field(
        description="Every layer of the table except the latent (which is `latent`), in order"
    )
    mse: float | None = Field(description="Mean squared error of the reconstruction against the input")
    psnr: float | None = Field(
        description="10 log10(1 / mse), dB; null when not finite: a perfect reconstruction (mse 0) has "
        "an infinite PSNR"
    )
    ssim: float | None = Field(
        description="Structural similarity of the reconstruction to the input (dm-pix: 11x11 Gaussian "
        "window, sigma 1.5, data range 1); 1 for identical images"
    )
    latent_sigma: list[float | None] | None = Field(
        None,
        description="VAE only: the standard deviation of each latent dimension, exp(logvar / 2) (`latent` is "
        "the mean, which the reconstruction decodes); null for other variants",
    )
    corrupted: list[float | None] | None = Field(
        None,
        description=f"With `corruption` in the request: the corrupted input the encoder saw ({_RECONSTRUCTION}); "
        "mse, psnr and ssim still compare the reconstruction with the clean input",
    )
    map_positions: dict[str, list[float]] | None = Field(None, description=MAP_POSITIONS_DESCRIPTION)


class DecodeResult(Response):
    model_config = ConfigDict(
        json_schema_extra=optional_in_schema("map_positions", examples=[examples.DECODE_RESULT])
    )

    reconstruction: list[float | None] = Field(description=_RECONSTRUCTION)
    activations: list[LayerActivation] = Field(
        description="Every decoder layer of the table, in order (the encoder is not involved in decoding)"
    )
    map_positions: dict[str, list[float]] | None = Field(None, description=MAP_POSITIONS_DESCRIPTION)


# ---- explore socket, protocol 2: what the client asks for, and the binary answers' headers ----------------

EXPLORE_PROTOCOL_VERSION = 2
LayerName = Annotated[str, Field(min_length=1, max_length=64)]
LayerList = Annotated[
    list[LayerName],
    Field(
        max_length=64,
        description="Optional: the layers whose heatmaps to send (names from the layer table; [] for none); "
        "absent or null: every layer. A name the model lacks is an error",
    ),
]
SSIM_FIELD_DESCRIPTION = "Whether to compute the SSIM (false: `ssim` is null, and the answer comes sooner)"


class BinaryLayer(Response):
    """One heatmap in a binary answer: its arrays are `<name>.lo`, `<name>.hi` (float32, one per channel)
    and `<name>` (uint8, C x H x W, C-major); value = lo + (hi - lo) x byte / 255."""

    name: str
    part: Literal["encoder", "decoder"]
    kind: Literal["conv", "maxpool", "dense", "tconv"]
    shape: list[int] = Field(description="[C, H, W]")


BinaryArray = Annotated[
    tuple[str, Literal["f4", "u1"], int, int],
    Field(description="[name, dtype (f4: float32 little-endian, u1: uint8), byte offset in the body (a "
          "multiple of 4), element count]"),
]
_ARRAYS = (
    "The body's arrays in order: `latent` and `reconstruction` (float32; NaN where not finite), "
    "`latent_sigma` (VAE), `corrupted` (with a corruption), then each layer's three arrays"
)


class ExploreResultHeader(Response):
    """The JSON header of a binary `explore_result` frame (explore protocol 2). A frame is: a uint32
    little-endian header length, this header in UTF-8 (padded with spaces so the body starts at a
    multiple of 4 bytes), then the body the `arrays` describe."""

    model_config = ConfigDict(json_schema_extra=optional_in_schema("map_positions"))

    v: Literal[2] = EXPLORE_PROTOCOL_VERSION
    type: Literal["explore_result"] = "explore_result"
    request_id: int
    mse: float | None
    psnr: float | None = Field(description="null when not finite (a perfect reconstruction: mse 0)")
    ssim: float | None = Field(description="null when not asked (`ssim: false`) or not finite")
    map_positions: dict[str, list[float]] | None = Field(None, description=MAP_POSITIONS_DESCRIPTION)
    layers: list[BinaryLayer] = Field(description="The heatmaps asked for, in layer-table order")
    arrays: list[BinaryArray] = Field(description=_ARRAYS)


class DecodeResultHeader(Response):
    """The JSON header of a binary `decode_result` frame (laid out as `ExploreResultHeader`'s): the
    `reconstruction` array and the decoder layers asked for."""

    model_config = ConfigDict(json_schema_extra=optional_in_schema("map_positions"))

    v: Literal[2] = EXPLORE_PROTOCOL_VERSION
    type: Literal["decode_result"] = "decode_result"
    request_id: int
    map_positions: dict[str, list[float]] | None = Field(None, description=MAP_POSITIONS_DESCRIPTION)
    layers: list[BinaryLayer]
    arrays: list[BinaryArray]


def binary_header_schema() -> Any:
    return Annotated[ExploreResultHeader | DecodeResultHeader, Field(discriminator="type")]
