"""Fan-out of a training job's events to its WebSocket subscribers, and the cap on connected clients.

Each subscriber keeps a cursor into the job's `Topic` (aevp.service.topic) and sends what it has not sent yet:
losses contiguous and never dropped, only the newest progress and snapshot. A client whose socket accepts
nothing for `send_timeout_s` is dropped; a slow client only ever delays itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from aevp.service import encode
from aevp.service.schemas import (
    EpochMessage,
    ErrorMessage,
    HelloMessage,
    HistoryMessage,
    JobInfo,
    LossesMessage,
    ProgressMessage,
    TimelineFrameMessage,
)
from aevp.service.topic import Cursor, Topic, Update

log = logging.getLogger(__name__)

# The default cap on the losses in one message (AEVP_JOB_STREAM_CHUNK): a client far behind, or one joining a
# long job, catches up in messages of at most this many values (~200 KB of JSON) instead of one huge one.
MAX_LOSSES_PER_MESSAGE = 10_000
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_TOO_SLOW = 4408
CLOSE_NOT_FOUND = 4404


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

    def __init__(
        self,
        max_clients: int,
        interval_s: float,
        send_timeout_s: float,
        losses_per_message: int = MAX_LOSSES_PER_MESSAGE,
    ) -> None:
        self.max_clients = max_clients
        self.interval_s = interval_s
        self.send_timeout_s = send_timeout_s
        self.losses_per_message = losses_per_message
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
            if first:  # the history's first chunk and every epoch; the other losses follow as `losses`
                head, rest = _split(update, self.losses_per_message)
                losses = encode.finite_list(head.losses)
                terms = {k: encode.finite_list(v) for k, v in head.terms.items()}
                history = HistoryMessage(losses=losses, epochs=update.epochs, **terms)
                await self.send(ws, history.model_dump_json())
                await self._send_losses(ws, rest)
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
            new_frames = topic.timeline.since(cursor.timeline)
            cursor.timeline += len(new_frames)
            for frame in new_frames:  # a few bytes each: the client fetches the frames it shows
                await self.send(ws, TimelineFrameMessage(**frame.model_dump()).model_dump_json())
            if update.end is not None:
                await self.send(ws, update.end.model_dump_json())
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(1000), self.send_timeout_s)
                return
            await event.wait()
            await asyncio.sleep(self.interval_s)  # the batching window: one losses message per interval

    async def _send_losses(self, ws: WebSocket, update: Update) -> None:
        size = self.losses_per_message
        for offset in range(0, len(update.losses), size):
            chunk = update.losses[offset : offset + size]
            terms = {k: encode.finite_list(v[offset : offset + size]) for k, v in update.terms.items()}
            message = LossesMessage(start_step=update.start_step + offset, values=encode.finite_list(chunk), **terms)
            await self.send(ws, message.model_dump_json())


def _split(update: Update, size: int) -> tuple[Update, Update]:
    """The first `size` losses (and their terms) of an update, and the rest from there on."""
    head = replace(update, losses=update.losses[:size], terms={k: v[:size] for k, v in update.terms.items()})
    rest = replace(
        update,
        start_step=update.start_step + head.losses.size,
        losses=update.losses[size:],
        terms={k: v[size:] for k, v in update.terms.items()},
    )
    return head, rest


async def _drain_incoming(ws: WebSocket) -> None:
    """Reads (and ignores) what a job-stream client sends, so that its closing is noticed promptly."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while ws.client_state == WebSocketState.CONNECTED:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
