"""Every request, response and WebSocket message of the service, defined once.

The OpenAPI schema is generated from these models, and the WebSocket messages are exported as one
JSON Schema (`GET /api/ws-schema`, or `python -m aevp.service.schemas > ws-schema.json`) from which the
frontend generates its TypeScript types. Change a message here and both follow.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)
from pydantic_core import PydanticCustomError

from aevp.ml.spec import LayerInfo, ModelSpec
from aevp.service import examples

PROTOCOL_VERSION = 1
IMAGE_SIDE = 28
IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE
MAX_LATENT_DIM = 64

JobState = Literal["queued", "running", "done", "cancelled", "failed"]
EndState = Literal["done", "cancelled", "failed"]


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


VAE_EPOCH_FIELDS = ("train_recon", "train_kl", "test_recon", "test_kl", "test_elbo")
VAE_LOSS_FIELDS = ("recon", "kl")
_TERM_LIST = list[float | None] | None


def _recon_field() -> Any:
    return Field(None, description="VAE only: each batch's reconstruction term (BCE summed over pixels, nats "
                 "per image), aligned with `values`; null for other variants")


def _kl_field() -> Any:
    return Field(None, description="VAE only: each batch's KL term (nats per image), aligned with `values`; "
                 "null for other variants")


# --- images and latents ------------------------------------------------------------------------

Pixel = Annotated[float, Field(ge=0, le=255, allow_inf_nan=False)]
FlatImage = Annotated[list[Pixel], Field(min_length=IMAGE_PIXELS, max_length=IMAGE_PIXELS)]
ImageRows = Annotated[
    list[Annotated[list[Pixel], Field(min_length=IMAGE_SIDE, max_length=IMAGE_SIDE)]],
    Field(min_length=IMAGE_SIDE, max_length=IMAGE_SIDE),
]


def image_problem(value: Any) -> str:
    """Names what is wrong with something that should be a 28x28 image (one message, not a union's ten)."""
    if not isinstance(value, list):
        return f"image must be a list (784 numbers or 28 rows of 28), not {type(value).__name__}"
    rows = value if value and isinstance(value[0], list) else None
    if rows is None:
        if len(value) != IMAGE_PIXELS:
            return f"image has {len(value)} values; expected 784 (or 28 rows of 28)"
        cells = [(i // IMAGE_SIDE, i % IMAGE_SIDE, v) for i, v in enumerate(value)]
    else:
        if len(rows) != IMAGE_SIDE:
            return f"image has {len(rows)} rows; expected 28"
        cells = []
        for r, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != IMAGE_SIDE:
                n = len(row) if isinstance(row, list) else type(row).__name__
                return f"image row {r} has {n} values; expected 28"
            cells += [(r, c, v) for c, v in enumerate(row)]
    for r, c, v in cells:
        if isinstance(v, bool) or not isinstance(v, int | float):
            return f"image pixel ({r}, {c}) is {v!r}: pixels must be numbers"
        if not math.isfinite(v) or not 0 <= v <= 255:
            return f"image pixel ({r}, {c}) is {v}: pixels must be in 0..1 or 0..255"
    return "image must be 784 numbers or 28 rows of 28 numbers in 0..1 or 0..255"


def _concise_image_error(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError("image_invalid", image_problem(value)) from None


Image = Annotated[
    FlatImage | ImageRows,
    WrapValidator(_concise_image_error),
    Field(
        description="28x28 pixels, as 28 rows of 28 or as 784 numbers in row-major order. Values in 0..1, "
        "or 0..255 (an image with any value above 1 is read as 0..255 and divided by 255)."
    ),
]
Latent = Annotated[
    list[Annotated[float, Field(allow_inf_nan=False)]],
    Field(min_length=1, max_length=MAX_LATENT_DIM, description="One value per latent dimension"),
]

_EXAMPLE_IMAGE_ROWS = [[0] * IMAGE_SIDE for _ in range(IMAGE_SIDE)]
for _r in range(6, 22):
    _EXAMPLE_IMAGE_ROWS[_r][13] = _EXAMPLE_IMAGE_ROWS[_r][14] = 255  # a vertical stroke: a "1"
EXAMPLE_IMAGE: list[list[int]] = _EXAMPLE_IMAGE_ROWS
EXAMPLE_LATENT: list[float] = [0.0] * 16


# --- shared pieces ------------------------------------------------------------------------------


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


class LayerRow(Response):
    """One row of a model's layer table."""

    name: str
    part: Literal["encoder", "decoder"]
    kind: Literal["conv", "maxpool", "dense", "tconv"]
    shape: list[int] = Field(description="Output shape per image: [H, W, C] or [D]")
    params: int
    flops: int = Field(description="Forward FLOPs per image (2 per multiply-add)")
    activation: str | None
    kernel: int | None = None
    stride: int = 1

    @classmethod
    def of(cls, layer: LayerInfo) -> LayerRow:
        return cls.model_validate(layer.model_dump())


class EpochMetrics(Response):
    model_config = ConfigDict(json_schema_extra=optional_in_schema(*VAE_EPOCH_FIELDS))

    epoch: int = Field(description="Counts from 1")
    train_loss: float | None = Field(description="Mean batch loss (a VAE's: reconstruction + beta x KL, nats)")
    test_loss: float | None
    psnr: float | None = Field(description="Mean PSNR over the test set, dB")
    ssim: float | None = Field(description="Mean SSIM over the test set")
    train_recon: float | None = Field(None, description="VAE only: mean batch reconstruction term, nats")
    train_kl: float | None = Field(None, description="VAE only: mean batch KL term, nats")
    test_recon: float | None = Field(
        None, description="VAE only: test reconstruction term (BCE summed over pixels, decoded from the mean)"
    )
    test_kl: float | None = Field(None, description="VAE only: test KL term, nats per image")
    test_elbo: float | None = Field(None, description="VAE only: test negative ELBO = test_recon + test_kl, nats")


class Progress(Response):
    epoch: int = Field(description="Current epoch, counting from 1 (0 before the first batch)")
    epochs: int
    step: int = Field(description="Batches done so far")
    total_steps: int
    images_per_s: float | None
    eta_s: float | None
    fraction: float = Field(ge=0, le=1, description="step / total_steps; 1 when the job is done")


# --- health, datasets, specs --------------------------------------------------------------------


class Health(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ready", "models": 2}]})

    status: Literal["ready", "starting"]
    models: int = Field(description="Models available (pretrained and user-trained)")


class ClassInfo(Response):
    index: int
    name: str


class DatasetInfo(Response):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "fashion-mnist",
                    "title": "Fashion-MNIST",
                    "train_size": 60000,
                    "test_size": 10000,
                    "cached": True,
                    "verified": True,
                    "source": "download",
                    "classes": [{"index": 0, "name": "T-shirt/top"}, {"index": 1, "name": "Trouser"}],
                }
            ]
        }
    )

    name: str
    title: str
    train_size: int | None = Field(description="null until the dataset is fetched")
    test_size: int | None
    cached: bool = Field(description="The arrays are in the local cache")
    verified: bool = Field(description="Their checksums match the published ones")
    source: str | None = Field(description="Where the cached copy came from")
    classes: list[ClassInfo]


class Sample(Response):
    index: int = Field(description="Index within the split")
    label: int
    image: list[int] = Field(description="784 values 0..255, row-major")


class SampleList(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SAMPLE_LIST]})

    dataset: str
    split: Literal["train", "test"]
    total: int = Field(description="Images in the split that match the label filter")
    offset: int
    items: list[Sample]


class SpecReport(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SPEC_REPORT]})

    valid: Literal[True] = True
    layers: list[LayerRow]
    params: int
    forward_flops: int
    train_flops: int
    summary: str = Field(description="One line such as 'conv 32 -> pool -> conv 64 -> pool -> 16'")


# --- models -------------------------------------------------------------------------------------


class ModelSummary(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.MODEL_SUMMARY]})

    id: str
    title: str = Field(description="Such as 'AE-32-64-L16 · MNIST'")
    dataset: str
    spec: ModelSpec
    params: int
    metrics: dict[str, float | None] = Field(description="Final test metrics: test_loss, psnr, ssim, ...")
    pretrained: bool = Field(description="Shipped with AeVP (read-only)")
    created: datetime


class TrainingHistory(Response):
    losses: list[float | None] = Field(description="Every batch's training loss, in order")
    epochs: list[EpochMetrics]


class ModelDetail(ModelSummary):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.MODEL_DETAIL]})

    layers: list[LayerRow]
    history: TrainingHistory


class DimStats(Response):
    p1: float
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float
    p99: float
    mean: float
    std: float


class LatentStats(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.LATENT_STATS]})

    count: int = Field(description="Test images the statistics are computed over")
    dims: list[DimStats] = Field(description="One entry per latent dimension")


MapMethod = Literal["pca", "tsne", "umap", "latent"]
# The maps the server places a latent on (PCA: the client does it from `mean` and `components`).
PlacedMap = Literal["tsne", "umap", "latent"]
MapState = Literal["queued", "running", "ready", "failed"]


class Projection(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PROJECTION]})

    method: MapMethod = Field(
        description="How the latents were mapped to 2-D: pca, tsne (t-SNE), umap, or latent (a model with a "
        "2-D latent: the latents themselves)"
    )
    count: int = Field(description="Test images on the map (the whole test set)")
    points: list[list[float]] = Field(
        description="One [x, y] per test image, in test-set order (rounded to 4 decimals)"
    )
    labels: list[int] = Field(description="The class of each point (names: `GET /api/datasets`)")
    explained_variance: list[float] = Field(
        description="Share of the latents' total variance along each axis (pca, latent), 0..1; empty for "
        "tsne and umap"
    )
    mean: list[float] = Field(description="PCA: the latents' mean (D values); latent: [0, 0]; else empty")
    components: list[list[float]] = Field(
        description="PCA: the two axes (2 x D); a latent z maps to [(z - mean) . components[0], "
        "(z - mean) . components[1]], which is how the lab places your drawing (latent: the identity). "
        "Empty for tsne and umap: ask for `maps` in an explore or decode request instead"
    )
    seconds: float = Field(description="Time taken to compute the map (encoding the test set and fitting)")


class MapStatus(Response):
    """A t-SNE or UMAP map being computed (`GET .../projection` answers 202 with this)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.MAP_STATUS]})

    model_id: str
    method: MapMethod
    state: MapState = Field(description="queued (behind another map), running, ready, or failed")
    stage: str = Field(
        description="What it is doing: queued, encoding (the test set), neighbours, exaggeration, "
        "optimisation (t-SNE), layout (UMAP), done; or failed"
    )
    fraction: float = Field(ge=0, le=1, description="Share of the computation done, 0..1")
    error: str | None = Field(None, description="Why it failed")
    stream: str = Field(description="The WebSocket that streams its progress and then the map")


class Corruption(Request):
    """Noise applied to the input before encoding, the way a denoising model's training inputs are."""

    kind: Literal["gaussian", "mask"] = Field(description="gaussian: add noise of sigma `level`, clipped to 0..1; "
                                              "mask: set a random fraction `level` of the pixels to 0")
    level: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = Field(
        description="Noise sigma (gaussian) or fraction of pixels zeroed (mask), 0..1"
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="The same seed gives the same noise")


_CORRUPTION_FIELD_DESCRIPTION = (
    "Optional: corrupt the image before encoding (the reconstruction is then compared with the clean image); "
    "meant for denoising models, allowed for any"
)


MAPS_FIELD_DESCRIPTION = (
    "Optional: latent maps to place this latent on (their positions come back in `map_positions`). "
    "tsne and umap are placed once their map is ready (`GET /api/models/{id}/projection`); latent needs a "
    "model with a 2-D latent"
)
MapList = Annotated[list[PlacedMap], Field(max_length=3, description=MAPS_FIELD_DESCRIPTION)]
MAP_POSITIONS_DESCRIPTION = (
    "With `maps` in the request: [x, y] on each requested map that is ready (a map still being computed "
    "is absent); null otherwise"
)


class ExploreRequest(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"image": EXAMPLE_IMAGE}]})

    image: Image
    corruption: Corruption | None = Field(None, description=_CORRUPTION_FIELD_DESCRIPTION)
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
    reconstruction: list[float | None] = Field(description="784 values 0..1, row-major")
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
        description="With `corruption` in the request: the corrupted input the encoder saw (784 values 0..1, "
        "row-major); mse, psnr and ssim still compare the reconstruction with the clean input",
    )
    map_positions: dict[str, list[float]] | None = Field(None, description=MAP_POSITIONS_DESCRIPTION)


class DecodeResult(Response):
    model_config = ConfigDict(
        json_schema_extra=optional_in_schema("map_positions", examples=[examples.DECODE_RESULT])
    )

    reconstruction: list[float | None] = Field(description="784 values 0..1, row-major")
    activations: list[LayerActivation] = Field(
        description="Every decoder layer of the table, in order (the encoder is not involved in decoding)"
    )
    map_positions: dict[str, list[float]] | None = Field(None, description=MAP_POSITIONS_DESCRIPTION)


# --- jobs ---------------------------------------------------------------------------------------


class CreateJob(Request):
    spec: ModelSpec


class JobInfo(Response):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.JOB_INFO]})

    id: str
    state: JobState
    spec: ModelSpec
    created: datetime
    progress: Progress
    # Defaults only so that examples (whose nulls the OpenAPI export drops) validate; always sent.
    model_id: str | None = Field(None, description="The checkpointed model, once the job is done")
    error: str | None = Field(None, description="Why the job failed")


class JobDetail(JobInfo):
    model_config = ConfigDict(
        json_schema_extra=optional_in_schema(*VAE_LOSS_FIELDS, examples=[examples.JOB_DETAIL])
    )

    losses: list[float | None] = Field(description="Every batch's training loss so far, in order")
    epochs: list[EpochMetrics]
    recon: _TERM_LIST = _recon_field()
    kl: _TERM_LIST = _kl_field()


# --- WebSocket messages -------------------------------------------------------------------------


class Message(Response):
    """Every WebSocket message carries the protocol version and a `type` tag."""

    v: Literal[1] = PROTOCOL_VERSION


class HelloMessage(Message):
    type: Literal["hello"] = "hello"
    job: JobInfo


class HistoryMessage(Message):
    model_config = ConfigDict(json_schema_extra=optional_in_schema(*VAE_LOSS_FIELDS))

    type: Literal["history"] = "history"
    losses: list[float | None] = Field(description="Every batch's loss so far, from step 0")
    epochs: list[EpochMetrics]
    recon: _TERM_LIST = _recon_field()
    kl: _TERM_LIST = _kl_field()


class LossesMessage(Message):
    model_config = ConfigDict(json_schema_extra=optional_in_schema(*VAE_LOSS_FIELDS))

    type: Literal["losses"] = "losses"
    start_step: int = Field(description="Step of values[0]; the previous message's start_step + its length")
    values: list[float | None]
    recon: _TERM_LIST = _recon_field()
    kl: _TERM_LIST = _kl_field()


class ProgressMessage(Progress, Message):
    type: Literal["progress"] = "progress"


class EpochMessage(EpochMetrics, Message):
    type: Literal["epoch"] = "epoch"


class SnapshotMessage(Message):
    type: Literal["snapshot"] = "snapshot"
    step: int
    inputs: list[Tensor8] = Field(description="The probe images, each of shape [1, 28, 28]")
    reconstructions: list[Tensor8] = Field(description="Their reconstructions, each [1, 28, 28]")
    activations: list[LayerActivation] = Field(description="Every layer's activations for probe 0")


class EndMessage(Message):
    type: Literal["end"] = "end"
    state: EndState
    model_id: str | None
    error: str | None


class ErrorMessage(Message):
    type: Literal["error"] = "error"
    request_id: int | None = None
    message: str


class MapProgressMessage(Message):
    """`/ws/models/{id}/projection`: how far the map's computation is (at most ~5 a second)."""

    type: Literal["map_progress"] = "map_progress"
    method: MapMethod
    state: MapState
    stage: str = Field(description="As in MapStatus")
    fraction: float = Field(ge=0, le=1)


class MapReadyMessage(Message):
    """`/ws/models/{id}/projection`: the finished map (the same body as `GET .../projection`'s 200)."""

    type: Literal["map_ready"] = "map_ready"
    projection: Projection


class ExploreResultMessage(ExploreResult, Message):
    # the REST example is not a message
    model_config = ConfigDict(json_schema_extra=optional_in_schema("latent_sigma", "corrupted", "map_positions"))

    type: Literal["explore_result"] = "explore_result"
    request_id: int


class DecodeResultMessage(DecodeResult, Message):
    # the REST example is not a message
    model_config = ConfigDict(json_schema_extra=optional_in_schema("map_positions"))

    type: Literal["decode_result"] = "decode_result"
    request_id: int


class ClientMessage(Request):
    v: Literal[1] = Field(PROTOCOL_VERSION, description="Protocol version")
    request_id: int = Field(ge=0, le=2**53 - 1, description="Echoed in the answer")


class ExploreMessage(ClientMessage):
    type: Literal["explore"]
    image: Image
    corruption: Corruption | None = Field(None, description=_CORRUPTION_FIELD_DESCRIPTION)
    maps: MapList | None = None


class DecodeMessage(ClientMessage):
    type: Literal["decode"]
    latent: Latent
    maps: MapList | None = None

    @field_validator("latent")
    @classmethod
    def _finite(cls, latent: list[float]) -> list[float]:
        if not all(math.isfinite(x) for x in latent):  # belt and braces: allow_inf_nan=False covers it
            raise ValueError("latent values must be finite")
        return latent


JobStreamMessage = Annotated[
    HelloMessage
    | HistoryMessage
    | LossesMessage
    | ProgressMessage
    | EpochMessage
    | SnapshotMessage
    | EndMessage
    | ErrorMessage,
    Field(discriminator="type"),
]
ExploreClientMessage = Annotated[ExploreMessage | DecodeMessage, Field(discriminator="type")]
ExploreServerMessage = Annotated[ExploreResultMessage | DecodeResultMessage | ErrorMessage, Field(discriminator="type")]
ProjectionStreamMessage = Annotated[
    MapProgressMessage | MapReadyMessage | ErrorMessage, Field(discriminator="type")
]

explore_client_adapter: TypeAdapter[ExploreMessage | DecodeMessage] = TypeAdapter(ExploreClientMessage)


def ws_schema() -> dict[str, Any]:
    """One JSON Schema document for all WebSocket traffic; each union is a property of the root.

    `job_stream`: what `/ws/jobs/{id}` sends; `explore_client` / `explore_server`: the two directions of
    `/ws/models/{id}/explore`. Every message type is also a named definition under `$defs`.
    """
    unions = {
        "job_stream": (JobStreamMessage, "serialization"),
        "explore_client": (ExploreClientMessage, "validation"),
        "explore_server": (ExploreServerMessage, "serialization"),
        "projection_stream": (ProjectionStreamMessage, "serialization"),
    }
    defs: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    for key, (union, mode) in unions.items():
        schema = TypeAdapter(union).json_schema(mode=mode, ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        properties[key] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "aevp-ws-protocol-v1",
        "title": "AevpWsProtocol",
        "description": f"AeVP WebSocket messages, protocol version {PROTOCOL_VERSION}",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "$defs": dict(sorted(defs.items())),
    }


if __name__ == "__main__":
    print(json.dumps(ws_schema(), indent=2))
