"""`/api/models/{id}/timeline` and `/api/jobs/{id}/timeline`: how a model learned, frame by frame."""

from __future__ import annotations

from pydantic import Field

from aevp.service.schemas.common import LayerActivation, Response
from aevp.service.schemas.walks import ImageBatch


class TimelineFrameInfo(Response):
    """Where one frame falls in the run."""

    index: int = Field(ge=0)
    step: int = Field(ge=0, description="Training steps done when the frame was taken (0: the random initial weights)")
    epoch: int = Field(ge=0, description="The epoch the step belongs to (0 before the first step)")
    loss: float | None = Field(description="The loss of the frame's last batch; null before any step")


class Timeline(Response):
    """The frames of a run: about 100, denser early (half on a geometric scale of steps, half evenly spread)."""

    frames: list[TimelineFrameInfo]
    probes: int = Field(description="How many probe images each frame reconstructs")
    points: int = Field(description="How many test images each frame's map places")
    complete: bool = Field(description="False while the job that records it is still training")


class TimelineMap(Response):
    """The map sample's positions in one frame: PCA of that frame's codes, unit RMS radius, turned (orthogonal
    Procrustes) onto the previous frame so that consecutive frames morph smoothly."""

    x: list[float]
    y: list[float]
    labels: list[int] = Field(description="Each point's class (-1 where unknown)")
    indices: list[int] = Field(description="Each point's index in the test set")


class TimelineFrame(TimelineFrameInfo):
    """One frame: the probe images, their reconstructions, probe 0's every layer, and the map."""

    inputs: ImageBatch = Field(description="The probe images (the same in every frame)")
    reconstructions: ImageBatch = Field(description="What the model made of them at this step")
    activations: list[LayerActivation] = Field(description="Every layer except the latent, for probe 0, in order")
    map: TimelineMap
