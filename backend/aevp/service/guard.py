"""The preamble of every WebSocket (explore, a job's stream, a latent map's stream), as one dependency.

Before any route, `netguard.NetGuard` has checked the handshake's Host, token and Origin (a refusal is
an HTTP status with a message). A route then takes `sock: GuardedSocket` and gets a socket that has been
admitted under the socket limits (`limits.SocketAdmission`: over them, the client is told why and closed
with 1013), whose sends give up after `ws_send_timeout_s` (a client that accepts nothing is dropped) and
whose `receive` gives up after `ws_idle_timeout_s` without a message (the client is told, then closed
with 4408). A refused socket never reaches the route: `Refused` ends it quietly (see `install`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, WebSocket
from starlette.requests import HTTPConnection
from starlette.types import Message

from aevp.service.deps import get_services
from aevp.service.limits import TooManySockets
from aevp.service.netguard import NetGuard, check_settings
from aevp.service.schemas import ErrorMessage

CLOSE_IDLE = 4408  # 4000 + HTTP 408 (request timeout): closed for want of a message


class Refused(Exception):
    """The socket was turned away, and is closed already."""


@dataclass
class Socket:
    """An admitted WebSocket whose sends time out and whose reads give up when the client is idle."""

    ws: WebSocket
    send_timeout_s: float
    idle_timeout_s: float

    async def send(self, text: str) -> None:
        """Raises TimeoutError when the client accepts nothing for the send timeout."""
        await asyncio.wait_for(self.ws.send_text(text), self.send_timeout_s)

    async def receive(self) -> Message:
        """The client's next message; after the idle timeout without one, the client is told why, the
        socket is closed (4408) and a disconnect is returned."""
        try:
            return await asyncio.wait_for(self.ws.receive(), self.idle_timeout_s)
        except TimeoutError:
            await self.close_idle(f"no request for {self.idle_timeout_s:g} s")
            return {"type": "websocket.disconnect", "code": CLOSE_IDLE}

    async def close_idle(self, what: str) -> None:
        message = f"closed: {what} (AEVP_WS_IDLE_TIMEOUT_S); reconnect to go on"
        await self.send_and_close(ErrorMessage(message=message).model_dump_json(), CLOSE_IDLE)

    async def close(self, code: int = 1000) -> None:
        with contextlib.suppress(Exception):  # the client may be gone already
            await asyncio.wait_for(self.ws.close(code), self.send_timeout_s)

    async def send_and_close(self, text: str, code: int) -> None:
        """A last message, then the close; either may fail when the client is gone."""
        with contextlib.suppress(Exception):
            await self.send(text)
        await self.close(code)


async def guarded_socket(ws: WebSocket) -> AsyncIterator[Socket]:
    services = get_services(ws)
    settings = services.settings
    try:
        async with services.limits.sockets.admit(ws):
            yield Socket(ws, settings.ws_send_timeout_s, settings.ws_idle_timeout_s)
    except TooManySockets:
        raise Refused from None


GuardedSocket = Annotated[Socket, Depends(guarded_socket)]


async def _refused(conn: HTTPConnection, exc: Refused) -> None:
    """Nothing left to do: the socket was closed with its reason."""


def install(app: FastAPI) -> None:
    """The network checks in front of everything (added last, so outermost: before CORS), and the
    handler that ends a refused socket."""
    settings = app.state.services.settings
    check_settings(settings)  # now, not at the first request: an unsafe server never starts
    app.add_middleware(NetGuard, settings=settings)
    app.add_exception_handler(Refused, _refused)  # type: ignore[arg-type]
