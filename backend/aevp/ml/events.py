"""What `aevp.ml.train.train` yields: plain dataclasses, importable without JAX (the service dispatches on them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class BatchLosses:
    """The loss of every batch from `start_step` on, contiguous with the previous event's."""

    epoch: int
    start_step: int
    values: list[float]  # the loss minimised (a VAE's: reconstruction + beta x KL, nats per image)
    recon: list[float] | None = None  # a VAE's reconstruction term per batch (summed over pixels), else None
    kl: list[float] | None = None  # a VAE's KL term per batch (nats per image), else None


@dataclass(frozen=True)
class Progress:
    epoch: int
    epochs: int
    step: int  # steps done so far
    total_steps: int
    images_per_s: float
    eta_s: float

    @property
    def fraction(self) -> float:
        return self.step / self.total_steps if self.total_steps else 1.0


@dataclass(frozen=True)
class Snapshot:
    """What the model makes of the fixed probe images at this step."""

    step: int
    epoch: int
    inputs: np.ndarray  # (P, 28, 28) in [0, 1]
    reconstructions: np.ndarray  # (P, 28, 28)
    activations: dict[str, np.ndarray]  # layer name -> (P, ...)


@dataclass(frozen=True)
class TimelineFrame:
    """One frame of the run's timeline (aevp.ml.timeline): what the model makes of fixed inputs at `step`."""

    index: int
    step: int  # steps done when it was taken (0: the random initial weights)
    epoch: int
    loss: float | None  # the last batch's loss; None before any step
    reconstructions: np.ndarray  # (P, 28, 28) uint8: the probe images' reconstructions
    layers: tuple[tuple[str, tuple[int, int, int], np.ndarray, np.ndarray, np.ndarray], ...]
    # per layer: (name, (C, H, W), lo (C,), hi (C,), (C, H*W) uint8), probe 0's activations as Tensor8 has them
    positions: np.ndarray  # (N, 2) float32: the map sample's places, aligned to the previous frame
    probes: np.ndarray  # (P, 28, 28) uint8: the probe images (the same object in every frame of a run)
    map_indices: np.ndarray  # (N,) int32: the map sample's test-set indices (shared, as `probes`)
    map_labels: np.ndarray  # (N,) int32: their classes, -1 where unknown (shared)


@dataclass(frozen=True)
class EpochEnd:
    epoch: int
    train_loss: float  # mean of the epoch's batch losses
    test_loss: float
    psnr: float  # mean per-image PSNR on the test set, dB
    ssim: float
    # VAE only (None otherwise), per image over the test set, decoded from the mean:
    train_recon: float | None = None  # the epoch's mean batch reconstruction term
    train_kl: float | None = None
    test_recon: float | None = None  # reconstruction term summed over pixels, nats
    test_kl: float | None = None
    test_elbo: float | None = None  # negative ELBO = test_recon + test_kl (test_loss weighs KL by beta)

    def as_dict(self) -> dict[str, Any]:
        """The fields that apply (a plain model's history has no VAE terms)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class TrainState:
    """Everything needed to continue a run after `epoch` finished epochs; `train(..., resume=state)` takes it.

    The data order and the random key of epoch e come from (seed, e), so weights, optimizer state and
    the epoch count are the whole of the run's position: the losses that follow equal an uninterrupted run's.
    """

    epoch: int  # finished epochs; training continues with epoch + 1
    params: dict[str, np.ndarray]  # flat weights, as in a model checkpoint
    opt_state: list[np.ndarray]  # the optimizer state's leaves, in jax.tree_util order
    history: dict[str, Any]  # 'losses' (and a VAE's 'recon', 'kl') per batch, 'epochs': each epoch's metrics
    train_seconds: float = 0.0  # time spent training before this state


@dataclass(frozen=True)
class EpochState:
    """The resumable state at the end of an epoch: yielded just before that epoch's `EpochEnd`."""

    state: TrainState


@dataclass(frozen=True)
class Finished:
    state: Literal["done", "cancelled", "failed"]
    params: dict[str, np.ndarray] | None = None  # flat weights when done
    metrics: dict[str, Any] = field(default_factory=dict)
    history: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    timeline: Any = None  # an aevp.ml.timeline.Timeline of the run's frames when done (None when not recorded)


TrainEvent = BatchLosses | Progress | Snapshot | TimelineFrame | EpochState | EpochEnd | Finished
