"""One explore WebSocket session: requests in, results out, the newest request of each type wins.

A reader task parses each message as it arrives and keeps only the newest explore and the newest decode
request; one task per kind answers whatever is pending, one at a time (explore and decode side by side).
The answer is computed in a batch with the other sockets' requests of the moment (`batcher.Batcher`, in
the interactive worker process) and sent as a binary frame (protocol 2: a JSON header and the raw arrays,
`frames.binary_frame`, no pydantic) or, for a protocol 1 request, as JSON text. While the client drags a
slider faster than the model answers, the requests in between are skipped rather than queued. A
malformed message gets an `error` message; the socket stays open. A client that accepts nothing for the
send timeout is dropped; one that sends nothing for the idle timeout is told so and closed (4408). When
the interactive queue is full (`limits.InteractiveGate`), the request gets an `error` saying "busy".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect

from aevp.ml.checkpoint import CheckpointError
from aevp.service import explore, frames
from aevp.service.encode import image_array
from aevp.service.faults import LatentSizeMismatch, MapUnavailable, ModelNotFound, WalkInvalid
from aevp.service.guard import Socket
from aevp.service.hub import CLOSE_NOT_FOUND
from aevp.service.inference_worker import WorkerError
from aevp.service.limits import Busy, InteractiveGate
from aevp.service.models import Models
from aevp.service.schemas import (
    DecodeMessage,
    DecodeResultMessage,
    ErrorMessage,
    ExploreMessage,
    ExploreResultMessage,
    explore_client_adapter,
)

log = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 256 * 1024  # an image is 784 numbers; anything this big is not a request
LANES = ("explore", "decode")


def describe(error: ValidationError) -> str:
    """The first few problems of a message, each with where it is: 'explore.image: image has 3 values'."""
    parts = []
    for err in error.errors(include_url=False, include_input=False)[:3]:
        loc = ".".join(str(x) for x in err["loc"])
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)


def request_id_of(text: str) -> int | None:
    """The request_id of a message that failed validation, when one can be read, to tag the error."""
    with contextlib.suppress(Exception):
        value = json.loads(text).get("request_id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


async def answer(models: Models, model_id: str, message: ExploreMessage | DecodeMessage) -> str | bytes:
    """The answer to one request: a binary frame (protocol 2) or a JSON text message (protocol 1); an
    error message for a request the model cannot answer."""
    try:
        if isinstance(message, ExploreMessage):
            image = image_array(message.image)
            result, extra = await explore.explore(
                models, model_id, image, message.corruption, message.maps, message.layers, message.ssim
            )
        else:
            result, extra = await explore.decode(models, model_id, message.latent, message.maps, message.layers)
    except (LatentSizeMismatch, ModelNotFound, CheckpointError, MapUnavailable, WalkInvalid, WorkerError) as e:
        return ErrorMessage(request_id=message.request_id, message=str(e)).model_dump_json()
    if message.v >= 2:
        return frames.binary_frame(result, message.request_id, extra)
    wire = ExploreResultMessage if isinstance(message, ExploreMessage) else DecodeResultMessage
    return wire.model_construct(**explore.json_fields(result), **extra, request_id=message.request_id).model_dump_json()


async def serve(sock: Socket, models: Models, model_id: str, gate: InteractiveGate) -> None:
    try:
        await models.run(models.store.get, model_id, interactive=False)
    except ModelNotFound as e:
        await sock.send_and_close(ErrorMessage(message=str(e)).model_dump_json(), CLOSE_NOT_FOUND)
        return
    await _Session(sock, models, model_id, gate).run()


class _Session:
    def __init__(self, sock: Socket, models: Models, model_id: str, gate: InteractiveGate) -> None:
        self.sock = sock
        self.gate = gate
        self.models = models
        self.model_id = model_id
        self.pending: dict[str, ExploreMessage | DecodeMessage] = {}
        self.wake = {kind: asyncio.Event() for kind in LANES}
        self.send_lock = asyncio.Lock()
        self.skipped = 0

    async def send(self, data: str | bytes) -> None:
        async with self.send_lock:
            if isinstance(data, str):
                await self.sock.send(data)
            else:  # a binary frame, under the same send timeout as text
                await asyncio.wait_for(self.sock.ws.send_bytes(data), self.sock.send_timeout_s)

    async def run(self) -> None:
        tasks = {asyncio.create_task(self.read()), *(asyncio.create_task(self.work(kind)) for kind in LANES)}
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                exc = task.exception()
                if isinstance(exc, TimeoutError):
                    log.info("dropped an explore client that accepted nothing for %.0f s", self.sock.send_timeout_s)
                elif exc is not None and not isinstance(exc, WebSocketDisconnect | OSError | RuntimeError):
                    log.error("explore session failed", exc_info=exc)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def read(self) -> None:
        while True:
            message = await self.sock.receive()  # a disconnect after the idle timeout
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                await self.error(None, "send JSON text messages, not binary frames")
                continue
            if len(text) > MAX_MESSAGE_CHARS:
                await self.error(None, f"message too large ({len(text)} characters)")
                continue
            try:
                request = explore_client_adapter.validate_json(text)
            except ValidationError as e:
                await self.error(request_id_of(text), describe(e))
                continue
            if request.type in self.pending:
                self.skipped += 1
            self.pending[request.type] = request  # the newest of each type wins
            self.wake[request.type].set()

    async def work(self, kind: str) -> None:
        """Answers this lane's newest request, one at a time: explore and decode go side by side."""
        while True:
            await self.wake[kind].wait()
            self.wake[kind].clear()
            while kind in self.pending:
                request = self.pending.pop(kind)
                try:
                    text = await self.gate.run(answer, self.models, self.model_id, request)
                except Busy as e:
                    text = ErrorMessage(request_id=request.request_id, message=e.message).model_dump_json()
                except Exception as e:  # a bug must not end the session; the client hears about it
                    log.exception("explore request failed")
                    text = ErrorMessage(
                        request_id=request.request_id, message=f"internal error ({type(e).__name__})"
                    ).model_dump_json()
                await self.send(text)

    async def error(self, request_id: Any, message: str) -> None:
        await self.send(ErrorMessage(request_id=request_id, message=message).model_dump_json())
