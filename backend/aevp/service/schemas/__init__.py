"""Every request, response and WebSocket message of the service, defined once: a module per router.

The OpenAPI schema is generated from these models, and the WebSocket messages are exported as one
JSON Schema (`GET /api/ws-schema`, or `python -m aevp.service.schemas > ws-schema.json`) from which the
frontend generates its TypeScript types. Change a message here and both follow. Import from this package,
not its modules: routes get the spec types here too, never from aevp.ml.
"""

from aevp.ml.spec import ConvBlock, ModelSpec
from aevp.service.schemas.common import (
    EXAMPLE_IMAGE,
    EXAMPLE_LATENT,
    IMAGE_PIXELS,
    IMAGE_SIDE,
    MAX_LATENT_DIM,
    FlatImage,
    Image,
    ImageRows,
    Latent,
    LayerActivation,
    Pixel,
    Request,
    Response,
    Tensor8,
    image_problem,
    optional_in_schema,
)
from aevp.service.schemas.datasets import ClassInfo, DatasetInfo, Sample, SampleList
from aevp.service.schemas.explore import (
    MAP_POSITIONS_DESCRIPTION,
    MAPS_FIELD_DESCRIPTION,
    Corruption,
    DecodeRequest,
    DecodeResult,
    ExploreRequest,
    ExploreResult,
    MapList,
)
from aevp.service.schemas.health import Health
from aevp.service.schemas.jobs import (
    VAE_EPOCH_FIELDS,
    VAE_LOSS_FIELDS,
    CreateJob,
    EndState,
    EpochMetrics,
    ExecutorName,
    JobDetail,
    JobInfo,
    JobState,
    Progress,
)
from aevp.service.schemas.maps import LatentMap, LatentMapStatus, MapMethod, MapState, PlacedMap
from aevp.service.schemas.models import (
    DimStats,
    LatentStats,
    ModelDetail,
    ModelSummary,
    TrainingHistory,
    UnavailableModel,
)
from aevp.service.schemas.specs import LayerRow, SpecReport
from aevp.service.schemas.sweeps import MAX_COMBINATIONS, CreateSweep, SweepInfo, SweepJob, SweepState
from aevp.service.schemas.timeline import Timeline, TimelineFrame, TimelineFrameInfo, TimelineMap
from aevp.service.schemas.walks import (
    DEFAULT_SPAN,
    MAX_INTERPOLATION_STEPS,
    MAX_SAMPLES,
    MAX_SWEEP_STEPS,
    ImageBatch,
    InterpolateRequest,
    InterpolateResult,
    Path,
    SamplesRequest,
    SamplesResult,
    TraverseRequest,
    TraverseResult,
)
from aevp.service.schemas.ws import (
    PROTOCOL_VERSION,
    ClientMessage,
    DecodeMessage,
    DecodeResultMessage,
    EndMessage,
    EpochMessage,
    ErrorMessage,
    ExploreClientMessage,
    ExploreMessage,
    ExploreResultMessage,
    ExploreServerMessage,
    HelloMessage,
    HistoryMessage,
    JobStreamMessage,
    LatentMapStreamMessage,
    LossesMessage,
    MapProgressMessage,
    MapReadyMessage,
    Message,
    ProgressMessage,
    SnapshotMessage,
    TimelineFrameMessage,
    explore_client_adapter,
    ws_schema,
)

__all__ = [
    "DEFAULT_SPAN", "MAX_COMBINATIONS", "CreateSweep", "SweepInfo", "SweepJob", "SweepState", "ExecutorName",
    "EXAMPLE_IMAGE", "EXAMPLE_LATENT", "IMAGE_PIXELS", "IMAGE_SIDE", "MAPS_FIELD_DESCRIPTION",
    "MAP_POSITIONS_DESCRIPTION", "MAX_INTERPOLATION_STEPS", "MAX_LATENT_DIM", "MAX_SAMPLES", "MAX_SWEEP_STEPS",
    "PROTOCOL_VERSION", "VAE_EPOCH_FIELDS", "VAE_LOSS_FIELDS",
    "ClassInfo", "ClientMessage", "ConvBlock", "Corruption", "CreateJob", "DatasetInfo", "DecodeMessage",
    "DecodeRequest", "DecodeResult", "DecodeResultMessage", "DimStats", "EndMessage", "EndState", "EpochMessage",
    "EpochMetrics", "ErrorMessage", "ExploreClientMessage", "ExploreMessage", "ExploreRequest", "ExploreResult",
    "ExploreResultMessage", "ExploreServerMessage", "FlatImage", "Health", "HelloMessage", "HistoryMessage",
    "Image", "ImageBatch", "ImageRows", "InterpolateRequest", "InterpolateResult", "JobDetail", "JobInfo",
    "JobState", "JobStreamMessage", "Latent", "LatentMap", "LatentMapStatus", "LatentMapStreamMessage",
    "LatentStats", "LayerActivation", "LayerRow", "LossesMessage", "MapList", "MapMethod", "MapProgressMessage",
    "MapReadyMessage", "MapState", "Message", "ModelDetail", "ModelSpec", "ModelSummary", "Path",
    "Pixel", "PlacedMap", "Progress", "ProgressMessage", "Request",
    "Response", "Sample", "SampleList", "SamplesRequest", "SamplesResult", "SnapshotMessage", "SpecReport",
    "Tensor8", "Timeline", "TimelineFrame", "TimelineFrameInfo", "TimelineFrameMessage", "TimelineMap",
    "TrainingHistory", "TraverseRequest", "TraverseResult", "UnavailableModel",
    "explore_client_adapter", "image_problem", "optional_in_schema", "ws_schema",
]
