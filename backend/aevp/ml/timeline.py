"""A training run's timeline: frames of what the model makes of fixed inputs, from random weights to trained.

Each frame holds the step, epoch and batch loss; the probe images' reconstructions (uint8); every layer's
activations for probe 0, quantised per channel exactly as explore's Tensor8 is (so the lab draws them with the
same code); and the latent-map positions of a fixed sample of test images: PCA of that frame's codes, scaled to
unit RMS radius and rotated/reflected onto the previous frame (orthogonal Procrustes) so an animation morphs
instead of flipping. Frames fall on a schedule that is half geometric (dense early, where the model changes
fastest) and half linear. Pure NumPy: the training loop hands in arrays it computed. The file is
`aevp.ml.timeline_file`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from aevp.ml.events import TimelineFrame
from aevp.ml.spec import IMAGE_SIZE

if TYPE_CHECKING:
    from aevp.ml.spec import ModelSpec

TARGET_FRAMES = 100
MIN_FRAMES = 16
MAX_FRAMES = 200
MAX_PROBES = 16
MAP_POINTS = 1000
MAX_POINTS = 2000
PLAN_BYTES = 8 * 1024 * 1024  # what a run's frames may hold before compression: fewer frames for big models


@dataclass(frozen=True)
class Timeline:
    """Every frame of a run, as stored. Arrays are indexed by frame first."""

    steps: np.ndarray  # (F,) int64, strictly rising
    epochs: np.ndarray  # (F,) int32
    losses: np.ndarray  # (F,) float64; NaN where there is none (the first frame, before any step)
    probes: np.ndarray  # (P, 28, 28) uint8
    recon: np.ndarray  # (F, P, 28, 28) uint8
    layers: tuple[tuple[str, tuple[int, int, int]], ...]  # (name, (C, H, W)) in the layer table's order
    act: tuple[np.ndarray, ...]  # per layer (F, C, H*W) uint8
    lo: tuple[np.ndarray, ...]  # per layer (F, C) float32
    hi: tuple[np.ndarray, ...]
    map_indices: np.ndarray  # (N,) int32: which test images the map shows
    map_labels: np.ndarray  # (N,) int32; -1 where unknown
    positions: np.ndarray  # (F, N, 2) float32

    def __len__(self) -> int:
        return int(self.steps.shape[0])

    def frame(self, index: int) -> TimelineFrame:
        """Frame `index` as the training loop yielded it."""
        loss = float(self.losses[index])
        layers = tuple((name, shape, self.lo[i][index], self.hi[i][index], self.act[i][index])
                       for i, (name, shape) in enumerate(self.layers))
        return TimelineFrame(
            index=index, step=int(self.steps[index]), epoch=int(self.epochs[index]),
            loss=loss if math.isfinite(loss) else None, reconstructions=self.recon[index], layers=layers,
            positions=self.positions[index], probes=self.probes, map_indices=self.map_indices,
            map_labels=self.map_labels,
        )


# --- recording --------------------------------------------------------------------------------------


def schedule(total_steps: int, frames: int) -> np.ndarray:
    """About `frames` distinct steps in 0..total_steps: half on a geometric scale from step 1, half evenly spread;
    always 0 and the last step."""
    if total_steps <= 0:
        return np.zeros(1, np.int64)
    half = max(frames // 2, 1)
    geo = np.geomspace(1, total_steps, half)
    lin = np.linspace(0, total_steps, max(frames - half, 2))
    steps = np.unique(np.round(np.concatenate([[0], geo, lin])).astype(np.int64))
    return steps[(steps >= 0) & (steps <= total_steps)]


def quantise(a: np.ndarray) -> tuple[tuple[int, int, int], np.ndarray, np.ndarray, np.ndarray]:
    """One image's activation -> ((C, H, W), lo, hi, (C, H*W) uint8), the same numbers explore's Tensor8 sends."""
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 3:
        shape, flat = (a.shape[2], a.shape[0], a.shape[1]), a.reshape(-1, a.shape[2])
    elif a.ndim == 2:
        shape, flat = (1, a.shape[0], a.shape[1]), a.reshape(-1, 1)
    else:
        shape, flat = (1, 1, a.size), a.reshape(-1, 1)
    flat = np.nan_to_num(flat, nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = flat.min(axis=0), flat.max(axis=0)
    span = hi - lo
    scale = np.divide(np.float32(255.0), span, out=np.zeros_like(span), where=span > 0)
    q = ((flat - lo) * scale + np.float32(0.5)).astype(np.uint8)
    return shape, lo.astype(np.float32), hi.astype(np.float32), np.ascontiguousarray(q.T)


def to_uint8(images: np.ndarray) -> np.ndarray:
    a = np.nan_to_num(np.asarray(images, np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    return (np.clip(a, 0.0, 1.0) * np.float32(255.0) + np.float32(0.5)).astype(np.uint8)


def map_positions(latents: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """(N, D) codes -> (N, 2) positions: PCA, unit RMS radius, then turned (or mirrored) onto `previous`."""
    z = np.nan_to_num(np.asarray(latents, np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    z = z - z.mean(axis=0)
    if z.shape[1] >= 2:
        _, _, vt = np.linalg.svd(z, full_matrices=False)
        y = z @ vt[:2].T
    else:  # a 1-D code: its value and zero
        y = np.concatenate([z[:, :1], np.zeros((z.shape[0], 1))], axis=1)
    rms = math.sqrt(float((y**2).sum(axis=1).mean()))
    if rms > 0:
        y = y / rms
    if previous is not None:
        u, _, vt = np.linalg.svd(y.T @ np.asarray(previous, np.float64))
        y = y @ (u @ vt)  # the orthogonal map that brings y closest to the previous frame
    return y.astype(np.float32)


def map_sample(total: int, count: int = MAP_POINTS) -> np.ndarray:
    """A fixed sample of test images for the map: evenly spread over the test set."""
    return np.unique(np.linspace(0, total - 1, num=min(count, total)).astype(np.int32))


def frame_budget(spec: ModelSpec, probes: int, points: int) -> int:
    """How many frames fit in PLAN_BYTES for this architecture (between MIN_FRAMES and TARGET_FRAMES)."""
    acts = sum(math.prod(layer.shape) for layer in spec.layers() if layer.name != "latent")
    per_frame = probes * IMAGE_SIZE * IMAGE_SIZE + acts + points * 8
    return int(min(max(PLAN_BYTES // per_frame, MIN_FRAMES), TARGET_FRAMES))


class Recorder:
    """Collects a run's frames; the training loop asks `due(step)` after each step and calls `record` then."""

    def __init__(self, spec: ModelSpec, total_steps: int, probes: np.ndarray, map_images: np.ndarray,
                 map_indices: np.ndarray, map_labels: np.ndarray | None, first_step: int = 0) -> None:
        self.layer_names = [layer.name for layer in spec.layers() if layer.name != "latent"]
        frames = frame_budget(spec, probes.shape[0], map_images.shape[0])
        self.steps = [int(s) for s in schedule(total_steps, frames) if s >= first_step]
        self._next = 0
        self.probes = to_uint8(probes)
        self.map_images = map_images
        self.map_indices = np.asarray(map_indices, np.int32)
        labels = np.full(len(map_indices), -1) if map_labels is None else np.asarray(map_labels)
        self.map_labels = labels.astype(np.int32)
        self.frames: list[TimelineFrame] = []

    def due(self, step: int) -> bool:
        """Whether a frame falls on `step` (each scheduled step once; steps skipped over are dropped)."""
        while self._next < len(self.steps) and self.steps[self._next] < step:
            self._next += 1
        return self._next < len(self.steps) and self.steps[self._next] == step

    def record(self, step: int, epoch: int, loss: float | None, recon: np.ndarray,
               activations: dict[str, np.ndarray], latents: np.ndarray) -> TimelineFrame:
        """A frame from the probes' reconstructions, their activations and the map sample's codes."""
        self._next += 1
        layers = []
        for name in self.layer_names:
            if name in activations:
                shape, lo, hi, q = quantise(np.asarray(activations[name])[0])
                layers.append((name, shape, lo, hi, q))
        previous = self.frames[-1].positions if self.frames else None
        frame = TimelineFrame(
            index=len(self.frames), step=int(step), epoch=int(epoch),
            loss=float(loss) if loss is not None and math.isfinite(loss) else None,
            reconstructions=to_uint8(recon), layers=tuple(layers),
            positions=map_positions(latents, previous),
            probes=self.probes, map_indices=self.map_indices, map_labels=self.map_labels,
        )
        self.frames.append(frame)
        return frame

    def timeline(self) -> Timeline | None:
        return assemble(self.frames, self.probes, self.map_indices, self.map_labels) if self.frames else None


def assemble(frames: list[TimelineFrame], probes: np.ndarray, map_indices: np.ndarray,
             map_labels: np.ndarray) -> Timeline:
    """Frames (as the training loop yields them) -> one Timeline."""
    first = frames[0]
    layers = tuple((name, tuple(shape)) for name, shape, *_ in first.layers)
    return Timeline(
        steps=np.array([f.step for f in frames], np.int64),
        epochs=np.array([f.epoch for f in frames], np.int32),
        losses=np.array([np.nan if f.loss is None else f.loss for f in frames], np.float64),
        probes=np.asarray(probes, np.uint8),
        recon=np.stack([f.reconstructions for f in frames]).astype(np.uint8),
        layers=layers,  # type: ignore[arg-type]
        act=tuple(np.stack([f.layers[i][4] for f in frames]) for i in range(len(layers))),
        lo=tuple(np.stack([f.layers[i][2] for f in frames]).astype(np.float32) for i in range(len(layers))),
        hi=tuple(np.stack([f.layers[i][3] for f in frames]).astype(np.float32) for i in range(len(layers))),
        map_indices=np.asarray(map_indices, np.int32),
        map_labels=np.asarray(map_labels, np.int32),
        positions=np.stack([f.positions for f in frames]).astype(np.float32),
    )


def summary(t: Timeline) -> list[dict[str, Any]]:
    """Each frame's index, step, epoch and loss (None where there is none)."""
    return [{"index": i, "step": int(s), "epoch": int(e), "loss": float(x) if math.isfinite(x) else None}
            for i, (s, e, x) in enumerate(zip(t.steps, t.epochs, t.losses, strict=True))]
