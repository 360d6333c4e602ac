"""Fan-out of a training job's events to its WebSocket subscribers.

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
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import numpy as np
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from aevp.ml.spec import LayerInfo
from aevp.service import encode
from aevp.service.schemas import (
    EndMessage,
    EpochMessage,
    EpochMetrics,
    ErrorMessage,
    HelloMessage,
    HistoryMessage,
    JobInfo,
    LossesMessage,
    Progress,
    ProgressMessage,
)

log = logging.getLogger(__name__)

MAX_LOSSES_PER_MESSAGE = 20_000  # a client far behind catches up in a few large messages
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_TOO_SLOW = 4408
CLOSE_NOT_FOUND = 4404


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


@dataclass
class HubStats:
    connected: int = 0
    served: int = 0
    dropped_slow: int = 0
    bytes_sent: int = 0


class TooManyClients(Exception):
    pass


class Hub:
    """Streams topics to WebSocket clients and caps how many clients are connected at once."""

    def __init__(self, max_clients: int, interval_s: float, send_timeout_s: float) -> None:
        self.max_clients = max_clients
        self.interval_s = interval_s
        self.send_timeout_s = send_timeout_s
        self.stats = HubStats()

    @contextlib.asynccontextmanager
    async def admit(self, ws: WebSocket) -> AsyncIterator[None]:
        """Accept the socket if there is room; otherwise say why and close it (1013, try again later)."""
        await ws.accept()
        if self.stats.connected >= self.max_clients:
            with contextlib.suppress(Exception):
                await ws.send_text(
                    ErrorMessage(message=f"too many WebSocket clients ({self.max_clients})").model_dump_json()
                )
                await ws.close(CLOSE_TRY_AGAIN_LATER)
            raise TooManyClients
        self.stats.connected += 1
        self.stats.served += 1
        try:
            yield
        finally:
            self.stats.connected -= 1

    async def send(self, ws: WebSocket, text: str) -> None:
        await asyncio.wait_for(ws.send_text(text), self.send_timeout_s)
        self.stats.bytes_sent += len(text)

    async def stream_job(self, ws: WebSocket, topic: Topic, info: Callable[[], JobInfo]) -> None:
        """Hello, the history so far, then live updates until the job ends; the server then closes."""
        event = asyncio.Event()
        topic.subscribe(event)
        reader = asyncio.create_task(_drain_incoming(ws))
        sender = asyncio.create_task(self._send_updates(ws, topic, info, event))
        try:
            # Ends when the job's stream is complete, or when the client goes away (the reader returns).
            done, _ = await asyncio.wait({reader, sender}, return_when=asyncio.FIRST_COMPLETED)
            if sender in done and (exc := sender.exception()) is not None:
                if isinstance(exc, TimeoutError):
                    self.stats.dropped_slow += 1
                    log.info("dropped a WebSocket client that accepted nothing for %.0f s", self.send_timeout_s)
                elif not isinstance(exc, WebSocketDisconnect | OSError | RuntimeError):
                    log.error("job stream failed", exc_info=exc)
        finally:
            for task in (reader, sender):
                task.cancel()
            await asyncio.gather(reader, sender, return_exceptions=True)
            topic.unsubscribe(event)

    async def _send_updates(
        self, ws: WebSocket, topic: Topic, info: Callable[[], JobInfo], event: asyncio.Event
    ) -> None:
        cursor = Cursor()
        await self.send(ws, HelloMessage(job=info()).model_dump_json())
        first = True
        while True:
            event.clear()  # before reading, so a publish during the sends below is not missed
            update = topic.read(cursor)
            if first:
                losses, epochs = encode.finite_list(update.losses), update.epochs
                terms = {k: encode.finite_list(v) for k, v in update.terms.items()}
                await self.send(ws, HistoryMessage(losses=losses, epochs=epochs, **terms).model_dump_json())
                first = False
            else:
                await self._send_losses(ws, update)
                for metrics in update.epochs:
                    await self.send(ws, EpochMessage(**metrics.model_dump()).model_dump_json())
            if update.progress is not None:
                await self.send(ws, ProgressMessage(**update.progress.model_dump()).model_dump_json())
            if update.snapshot_seq:
                text = topic.snapshot_json()
                if text is not None:
                    await self.send(ws, text)
            if update.end is not None:
                await self.send(ws, update.end.model_dump_json())
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(1000), self.send_timeout_s)
                return
            await event.wait()
            await asyncio.sleep(self.interval_s)  # the batching window: one losses message per interval

    async def _send_losses(self, ws: WebSocket, update: Update) -> None:
        for offset in range(0, len(update.losses), MAX_LOSSES_PER_MESSAGE):
            chunk = update.losses[offset : offset + MAX_LOSSES_PER_MESSAGE]
            terms = {
                k: encode.finite_list(v[offset : offset + MAX_LOSSES_PER_MESSAGE]) for k, v in update.terms.items()
            }
            message = LossesMessage(start_step=update.start_step + offset, values=encode.finite_list(chunk), **terms)
            await self.send(ws, message.model_dump_json())


async def _drain_incoming(ws: WebSocket) -> None:
    """Reads (and ignores) what a job-stream client sends, so that its closing is noticed promptly."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while ws.client_state == WebSocketState.CONNECTED:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
