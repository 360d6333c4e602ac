"""The preamble of every WebSocket (explore, a job's stream, a latent map's stream), as one dependency.

A route takes `sock: GuardedSocket` and gets a socket that has passed the origin check (WebSockets skip
CORS, so the Origin a browser sends is checked here: same host, or an allowed origin; else 403 at the
handshake), been admitted under the client cap (`Hub.admit`: over it, the client is told why and closed
with 1013) and whose sends give up after `ws_send_timeout_s` (a client that accepts nothing is dropped).
A refused socket never reaches the route: `Refused` ends it quietly (see `install`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, WebSocket
from starlette.requests import HTTPConnection

from aevp.service.deps import get_services
from aevp.service.hub import TooManyClients

CLOSE_POLICY = 1008  # before the handshake completes: the client sees HTTP 403


class Refused(Exception):
    """The socket was turned away, and is closed already."""


@dataclass
class Socket:
    """An admitted WebSocket whose sends time out."""

    ws: WebSocket
    send_timeout_s: float

    async def send(self, text: str) -> None:
        """Raises TimeoutError when the client accepts nothing for the send timeout."""
        await asyncio.wait_for(self.ws.send_text(text), self.send_timeout_s)

    async def close(self, code: int = 1000) -> None:
        with contextlib.suppress(Exception):  # the client may be gone already
            await asyncio.wait_for(self.ws.close(code), self.send_timeout_s)

    async def send_and_close(self, text: str, code: int) -> None:
        """A last message, then the close; either may fail when the client is gone."""
        with contextlib.suppress(Exception):
            await self.send(text)
        await self.close(code)


def origin_allowed(conn: HTTPConnection, allowed: list[str]) -> bool:
    """No Origin (not a browser), an allowed one, or the host the request came to."""
    origin = conn.headers.get("origin")
    if origin is None or origin in allowed or "*" in allowed:
        return True
    return urlsplit(origin).netloc == conn.headers.get("host")


async def guarded_socket(ws: WebSocket) -> AsyncIterator[Socket]:
    services = get_services(ws)
    settings = services.settings
    if not origin_allowed(ws, settings.cors_origins):
        await ws.close(CLOSE_POLICY)
        raise Refused
    try:
        async with services.hub.admit(ws):
            yield Socket(ws, settings.ws_send_timeout_s)
    except TooManyClients:
        raise Refused from None


GuardedSocket = Annotated[Socket, Depends(guarded_socket)]


async def _refused(conn: HTTPConnection, exc: Refused) -> None:
    """Nothing left to do: the socket was closed with its reason."""


def install(app: FastAPI) -> None:
    app.add_exception_handler(Refused, _refused)  # type: ignore[arg-type]
