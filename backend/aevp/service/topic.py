"""A training job's `Topic`: everything it has published, read by each subscriber through its own cursor.

Design: a job's `Topic` is the one record of everything the job has published (every loss, every epoch's
metrics, the latest progress and the latest snapshot). Subscribers do not get a copy of each event in a
queue of their own; each keeps a cursor into the topic and, when woken, sends what it has not sent yet:
  * losses from its cursor on, in one message: contiguous and never dropped, however slow the client;
  * only the newest progress and the newest snapshot: an unsent older one is simply skipped;
so a client's backlog is bounded by construction (a cursor, not a queue) and a slow or stalled client
only ever delays itself. The training thread appends under a short lock and schedules one wake-up on the
event loop; it never waits for a client. A client whose socket accepts nothing for `send_timeout_s` is
dropped. Connecting mid-job replays the history first (the same cursor logic, starting at 0).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from array import array
from dataclasses import dataclass

import numpy as np

from aevp.ml.spec import LayerInfo
from aevp.service import encode
from aevp.service.schemas import EndMessage, EpochMetrics, Progress
from aevp.service.timeline import JobTimeline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawSnapshot:
    step: int
    inputs: np.ndarray
    reconstructions: np.ndarray
    activations: dict[str, np.ndarray]


@dataclass
class Cursor:
    """How far one subscriber has got."""

    losses: int = 0
    epochs: int = 0
    progress_seq: int = 0
    snapshot_seq: int = 0
    timeline: int = 0  # timeline frames announced


@dataclass
class Update:
    """What a subscriber has not sent yet, read consistently under the topic's lock."""

    start_step: int
    losses: np.ndarray
    epochs: list[EpochMetrics]
    terms: dict[str, np.ndarray]  # a VAE's 'recon' and 'kl' per batch, aligned with `losses`; else empty
    progress: Progress | None
    snapshot_seq: int
    end: EndMessage | None


class Topic:
    """Everything one job has published. Producers: any thread. Consumers: the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, layers: list[LayerInfo]) -> None:
        self._loop = loop
        self._layers = layers
        self._lock = threading.Lock()
        self._losses = array("d")
        self._terms: dict[str, array[float]] = {}  # a VAE's per-batch 'recon' and 'kl', aligned with _losses
        self._epochs: list[EpochMetrics] = []
        self._progress: Progress | None = None
        self._progress_seq = 0
        self._snapshot: RawSnapshot | None = None
        self._snapshot_seq = 0
        self._snapshot_json: tuple[int, str] | None = None  # encoded once, sent to every subscriber
        self._end: EndMessage | None = None
        self.timeline = JobTimeline()  # the run's timeline frames so far (aevp.service.timeline)
        self._subscribers: set[asyncio.Event] = set()
        self._wake_pending = False

    # --- producer side (the training thread) ---------------------------------------------------

    def add_losses(self, start_step: int, values: list[float], terms: dict[str, list[float]] | None = None) -> None:
        """Batch losses from `start_step` on; `terms`: a VAE's per-batch 'recon' and 'kl', aligned with them."""
        with self._lock:
            have = len(self._losses)
            for name in terms or {}:
                self._terms.setdefault(name, array("d", [float("nan")] * have))
            if start_step > have:  # the trainer promises contiguity; never invent values, say so loudly
                log.error("loss stream gap: expected step %d, got %d", have, start_step)
                for arr in (self._losses, *self._terms.values()):
                    arr.extend([float("nan")] * (start_step - have))
                have = start_step
            skip = have - start_step  # values already received
            self._losses.extend(values[skip:])
            for name, arr in self._terms.items():
                given = (terms or {}).get(name)
                arr.extend(given[skip:] if given is not None else [float("nan")] * max(len(values) - skip, 0))
        self._wake()

    def set_progress(self, progress: Progress) -> None:
        with self._lock:
            self._progress = progress
            self._progress_seq += 1
        self._wake()

    def add_epoch(self, metrics: EpochMetrics) -> None:
        with self._lock:
            self._epochs.append(metrics)
        self._wake()

    def set_snapshot(self, snapshot: RawSnapshot) -> None:
        with self._lock:
            self._snapshot = snapshot
            self._snapshot_seq += 1
        self._wake()

    def add_timeline_frame(self, frame: object) -> None:
        """A new aevp.ml.events.TimelineFrame: kept, and announced to subscribers."""
        self.timeline.add(frame)  # type: ignore[arg-type]
        self._wake()

    def finish(self, end: EndMessage) -> None:
        with self._lock:
            self._end = end
        self._wake()

    def _wake(self) -> None:
        # One pending call at a time: a fast trainer cannot flood the event loop with wake-ups.
        if self._wake_pending:
            return
        self._wake_pending = True
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening any more
            self._loop.call_soon_threadsafe(self._notify)

    # --- consumer side (the event loop) ---------------------------------------------------------

    def _notify(self) -> None:
        self._wake_pending = False
        for event in self._subscribers:
            event.set()

    def subscribe(self, event: asyncio.Event) -> None:
        self._subscribers.add(event)

    def unsubscribe(self, event: asyncio.Event) -> None:
        self._subscribers.discard(event)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @property
    def progress(self) -> Progress | None:
        return self._progress

    @property
    def ended(self) -> bool:
        return self._end is not None

    def history(self) -> tuple[list[float | None], list[EpochMetrics]]:
        with self._lock:
            losses = np.frombuffer(self._losses, dtype=np.float64).copy() if self._losses else np.zeros(0)
            epochs = list(self._epochs)
        return encode.finite_list(losses), epochs

    def history_terms(self) -> dict[str, list[float | None]]:
        """A VAE's per-batch 'recon' and 'kl' so far (empty for other variants)."""
        with self._lock:
            return {k: encode.finite_list(np.asarray(v, dtype=np.float64)) for k, v in self._terms.items()}

    def read(self, cursor: Cursor) -> Update:
        """What `cursor` has not seen; advances it."""
        with self._lock:
            start = cursor.losses
            n = len(self._losses)
            losses = np.frombuffer(self._losses, dtype=np.float64)[start:n].copy() if n > start else np.zeros(0)
            terms = {k: np.frombuffer(v, dtype=np.float64)[start:n].copy() for k, v in self._terms.items()}
            epochs = self._epochs[cursor.epochs :]
            progress = self._progress if self._progress_seq != cursor.progress_seq else None
            snapshot_seq = self._snapshot_seq if self._snapshot_seq != cursor.snapshot_seq else 0
            cursor.losses, cursor.epochs = n, len(self._epochs)
            cursor.progress_seq, cursor.snapshot_seq = self._progress_seq, self._snapshot_seq
            end = self._end
        return Update(start, losses, epochs, terms, progress, snapshot_seq, end)

    def snapshot_json(self) -> str | None:
        """The newest snapshot as a message, encoded once however many clients send it."""
        with self._lock:
            snap, seq = self._snapshot, self._snapshot_seq
        if snap is None:
            return None
        cached = self._snapshot_json
        if cached is not None and cached[0] == seq:
            return cached[1]
        text = encode.snapshot_message(
            self._layers, snap.step, snap.inputs, snap.reconstructions, snap.activations
        ).model_dump_json()
        self._snapshot_json = (seq, text)
        return text
