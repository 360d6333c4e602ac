"""Training timelines on the wire: a model's (its folder's timeline.npz) and a running job's (its frames so far).

A model's file is parsed and checked against the model's spec on first use, then kept (a few models' worth)
until its folder changes. A job's frames arrive from the training thread (`JobTimeline.add`) and are read by
requests and by the job stream's subscribers, each through its own count of frames sent.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

from aevp.service import encode
from aevp.service.faults import TimelineNotFound
from aevp.service.schemas import (
    LayerActivation,
    Tensor8,
    Timeline,
    TimelineFrame,
    TimelineFrameInfo,
    TimelineMap,
)

if TYPE_CHECKING:
    from aevp.ml import events
    from aevp.ml.spec import LayerInfo
    from aevp.ml.timeline import Timeline as Frames
    from aevp.service.store import ModelStore

KEPT = 4  # parsed model timelines in memory (each a few MB)


def info(frame: events.TimelineFrame) -> TimelineFrameInfo:
    return TimelineFrameInfo(index=frame.index, step=frame.step, epoch=frame.epoch, loss=frame.loss)


def frame_detail(frame: events.TimelineFrame, layers: list[LayerInfo]) -> TimelineFrame:
    """One frame as the wire has it: the stored Tensor8 bytes go out as they are (no re-quantising)."""
    kinds = {layer.name: layer for layer in layers}
    acts = []
    for name, shape, lo, hi, data in frame.layers:
        layer = kinds.get(name)
        if layer is None:
            continue
        tensor = Tensor8.model_construct(shape=list(shape), lo=encode.finite_list(lo), hi=encode.finite_list(hi),
                                         data=_b64(np.ascontiguousarray(data, np.uint8)))
        acts.append(LayerActivation.model_construct(name=name, part=layer.part, kind=layer.kind, tensor=tensor))
    pos = np.asarray(frame.positions, np.float64)
    return TimelineFrame(
        index=frame.index, step=frame.step, epoch=frame.epoch, loss=frame.loss,
        inputs=encode.image_batch(np.asarray(frame.probes, np.float32) / 255.0),
        reconstructions=encode.image_batch(np.asarray(frame.reconstructions, np.float32) / 255.0),
        activations=acts,
        map=TimelineMap(x=pos[:, 0].tolist(), y=pos[:, 1].tolist(), labels=frame.map_labels.tolist(),
                        indices=frame.map_indices.tolist()),
    )


def _b64(a: np.ndarray) -> str:
    import base64

    return base64.b64encode(a.tobytes()).decode("ascii")


def _frame_at(frames: Any, count: int, index: int, owner: str) -> Any:
    if not 0 <= index < count:
        raise TimelineNotFound(f"{owner} has no timeline frame {index}; its frames are 0..{count - 1}")
    return frames(index)


class ModelTimelines:
    """The timelines of the models on disk, parsed on first use and checked against each model's spec."""

    def __init__(self, store: ModelStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, tuple[Any, Frames]] = OrderedDict()

    def _get(self, model_id: str) -> tuple[Frames, list[LayerInfo]]:
        from aevp.ml import checkpoint, timeline_file

        entry = self._store.get(model_id)
        stamp = (str(entry.path), checkpoint.stamp(entry.path))
        with self._lock:
            kept = self._kept.get(model_id)
            if kept is not None and kept[0] == stamp:
                self._kept.move_to_end(model_id)
                return kept[1], entry.spec.layers()
        missing = f"model {model_id!r} has no training timeline (it was saved without one)"
        try:
            data = timeline_file.read_folder_file(entry.path)
            if data is None:
                raise TimelineNotFound(missing)
            frames = timeline_file.read(data, entry.spec)
        except (timeline_file.TimelineError, OSError) as e:
            raise TimelineNotFound(f"model {model_id!r} has no usable training timeline: {e}") from None
        with self._lock:
            self._kept[model_id] = (stamp, frames)
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return frames, entry.spec.layers()

    def index(self, model_id: str) -> Timeline:
        frames, _ = self._get(model_id)
        return Timeline(
            frames=[info(frames.frame(i)) for i in range(len(frames))],
            probes=int(frames.probes.shape[0]), points=int(frames.map_indices.shape[0]), complete=True,
        )

    def frame(self, model_id: str, index: int) -> TimelineFrame:
        frames, layers = self._get(model_id)
        return frame_detail(_frame_at(frames.frame, len(frames), index, f"model {model_id!r}"), layers)

    def forget(self, model_id: str) -> None:
        with self._lock:
            self._kept.pop(model_id, None)


class JobTimeline:
    """A job's frames so far. Producer: the training thread; readers: requests and stream subscribers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frames: list[events.TimelineFrame] = []

    def add(self, frame: events.TimelineFrame) -> None:
        with self._lock:
            if frame.index == len(self._frames):  # a resumed run starts its own timeline again
                self._frames.append(frame)
            elif frame.index == 0:
                self._frames = [frame]

    def __len__(self) -> int:
        with self._lock:
            return len(self._frames)

    def since(self, start: int) -> list[TimelineFrameInfo]:
        """The frames from `start` on, as infos (what the stream sends)."""
        with self._lock:
            return [info(f) for f in self._frames[start:]]

    def index(self, complete: bool) -> Timeline:
        with self._lock:
            frames = list(self._frames)
        first = frames[0] if frames else None
        return Timeline(
            frames=[info(f) for f in frames], complete=complete,
            probes=0 if first is None else int(first.probes.shape[0]),
            points=0 if first is None else int(first.map_indices.shape[0]),
        )

    def frame(self, index: int, layers: list[LayerInfo], owner: str) -> TimelineFrame:
        with self._lock:
            frames = list(self._frames)
        return frame_detail(_frame_at(frames.__getitem__, len(frames), index, owner), layers)
