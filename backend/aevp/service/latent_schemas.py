"""Moved to aevp.service.schemas (walks.py); this shim goes once its importers import from there."""

from aevp.service.schemas import (  # noqa: F401
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
