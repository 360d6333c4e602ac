"""Every WebSocket message, the unions each socket carries, and their one JSON Schema document.

`GET /api/ws-schema` and `python -m aevp.service.schemas` export `ws_schema()`; the frontend generates its
TypeScript types from it.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter, field_validator

from aevp.service.schemas.common import (
    IMAGE_SIDE,
    Image,
    Latent,
    LayerActivation,
    Request,
    Response,
    Tensor8,
    optional_in_schema,
)
from aevp.service.schemas.explore import (
    CORRUPTION_FIELD_DESCRIPTION,
    SSIM_FIELD_DESCRIPTION,
    Corruption,
    DecodeResult,
    ExploreResult,
    LayerList,
    MapList,
    binary_header_schema,
)
from aevp.service.schemas.jobs import (
    VAE_LOSS_FIELDS,
    EndState,
    EpochMetrics,
    JobInfo,
    Progress,
    TermList,
    kl_field,
    recon_field,
)
from aevp.service.schemas.maps import LatentMap, MapMethod, MapState

PROTOCOL_VERSION = 1


class Message(Response):
    """Every WebSocket message carries the protocol version and a `type` tag."""

    v: Literal[1] = PROTOCOL_VERSION


class HelloMessage(Message):
    type: Literal["hello"] = "hello"
    job: JobInfo


class HistoryMessage(Message):
    model_config = ConfigDict(json_schema_extra=optional_in_schema(*VAE_LOSS_FIELDS))

    type: Literal["history"] = "history"
    losses: list[float | None] = Field(
        description="The batch losses so far from step 0, at most `AEVP_JOB_STREAM_CHUNK` of them: the rest "
        "follow in `losses` messages, as live values do"
    )
    epochs: list[EpochMetrics]
    recon: TermList = recon_field()
    kl: TermList = kl_field()


class LossesMessage(Message):
    model_config = ConfigDict(json_schema_extra=optional_in_schema(*VAE_LOSS_FIELDS))

    type: Literal["losses"] = "losses"
    start_step: int = Field(description="Step of values[0]; the previous message's start_step + its length")
    values: list[float | None]
    recon: TermList = recon_field()
    kl: TermList = kl_field()


class ProgressMessage(Progress, Message):
    type: Literal["progress"] = "progress"


class EpochMessage(EpochMetrics, Message):
    type: Literal["epoch"] = "epoch"


_PROBE_SHAPE = f"[1, {IMAGE_SIDE}, {IMAGE_SIDE}]"


class SnapshotMessage(Message):
    type: Literal["snapshot"] = "snapshot"
    step: int
    inputs: list[Tensor8] = Field(description=f"The probe images, each of shape {_PROBE_SHAPE}")
    reconstructions: list[Tensor8] = Field(description=f"Their reconstructions, each {_PROBE_SHAPE}")
    activations: list[LayerActivation] = Field(description="Every layer's activations for probe 0")


class TimelineFrameMessage(Message):
    """A new frame of the job's timeline: fetch it from `GET /api/jobs/{id}/timeline/{index}`."""

    type: Literal["timeline_frame"] = "timeline_frame"
    index: int
    step: int
    epoch: int
    loss: float | None


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
    """`/ws/models/{id}/latent-map`: how far the map's computation is (at most ~5 a second)."""

    type: Literal["map_progress"] = "map_progress"
    method: MapMethod
    state: MapState
    stage: str = Field(description="As in LatentMapStatus")
    fraction: float = Field(ge=0, le=1)


class MapReadyMessage(Message):
    """`/ws/models/{id}/latent-map`: the finished map (the same body as `GET .../latent-map`'s 200)."""

    type: Literal["map_ready"] = "map_ready"
    projection: LatentMap  # the wire name predates "latent map"; clients read it


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
    v: Literal[1, 2] = Field(
        PROTOCOL_VERSION,
        description="Explore protocol version: 1, answers as JSON text messages; 2, results as binary frames "
        "(`ExploreResultHeader`, `DecodeResultHeader`; errors stay JSON)",
    )
    request_id: int = Field(ge=0, le=2**53 - 1, description="Echoed in the answer")


class ExploreMessage(ClientMessage):
    type: Literal["explore"]
    image: Image
    corruption: Corruption | None = Field(None, description=CORRUPTION_FIELD_DESCRIPTION)
    maps: MapList | None = None
    layers: LayerList | None = None
    ssim: bool = Field(True, description=SSIM_FIELD_DESCRIPTION)


class DecodeMessage(ClientMessage):
    type: Literal["decode"]
    latent: Latent
    maps: MapList | None = None
    layers: LayerList | None = None

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
    | TimelineFrameMessage
    | EndMessage
    | ErrorMessage,
    Field(discriminator="type"),
]
ExploreClientMessage = Annotated[ExploreMessage | DecodeMessage, Field(discriminator="type")]
ExploreServerMessage = Annotated[ExploreResultMessage | DecodeResultMessage | ErrorMessage, Field(discriminator="type")]
LatentMapStreamMessage = Annotated[
    MapProgressMessage | MapReadyMessage | ErrorMessage, Field(discriminator="type")
]

explore_client_adapter: TypeAdapter[ExploreMessage | DecodeMessage] = TypeAdapter(ExploreClientMessage)


def ws_schema() -> dict[str, Any]:
    """One JSON Schema document for all WebSocket traffic; each union is a property of the root.

    `job_stream`: what `/ws/jobs/{id}` sends; `explore_client` / `explore_server`: the two directions of
    `/ws/models/{id}/explore` (`explore_binary`: the JSON headers of its protocol-2 binary frames).
    Every message type is also a named definition under `$defs`.
    """
    unions = {
        "job_stream": (JobStreamMessage, "serialization"),
        "explore_client": (ExploreClientMessage, "validation"),
        "explore_server": (ExploreServerMessage, "serialization"),
        "explore_binary": (binary_header_schema(), "serialization"),  # the headers of protocol 2's frames
        "projection_stream": (LatentMapStreamMessage, "serialization"),  # a wire name, like `projection`
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
