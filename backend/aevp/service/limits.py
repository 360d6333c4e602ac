"""Per-client limits, so that one client (or one class) cannot lock the others out.

* `SocketAdmission`: WebSockets open at once, in all (`AEVP_MAX_WS_CLIENTS`) and per client address
  (`AEVP_MAX_WS_PER_CLIENT`); one over either is told why in an `error` message and closed with 1013.
* `RateLimiter`: a token bucket per client address for the REST explore, decode and walk routes
  (`AEVP_RATE_PER_S`, bursts of `AEVP_RATE_BURST`); over it, 429 with `Retry-After`.
* `InteractiveGate`: explore/decode/walk work running or waiting for the interactive executor
  (`AEVP_MAX_INTERACTIVE_PENDING`); past it REST answers 503 with `Retry-After` and the explore socket an
  `error` ("busy") for that request, rather than queueing without bound.
Everything here runs on the event loop only, so plain counters need no lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket

from aevp.service.schemas import ErrorMessage
from aevp.settings import Settings

T = TypeVar("T")
CLOSE_TRY_AGAIN_LATER = 1013
MAX_TRACKED_CLIENTS = 10_000  # rate buckets kept; full (idle) ones are forgotten first


def client_of(conn: HTTPConnection) -> str:
    """The client's address (behind a trusted proxy, the one it forwarded: see AEVP_FORWARDED_ALLOW_IPS)."""
    return conn.client.host if conn.client is not None else "unknown"


class TooManySockets(Exception):
    """The socket was told why and closed with 1013."""


class SocketAdmission:
    """Counts open WebSockets, in all and per client address."""

    def __init__(self, max_total: int, max_per_client: int, send_timeout_s: float) -> None:
        self.max_total = max_total
        self.max_per_client = max_per_client
        self.send_timeout_s = send_timeout_s
        self.connected = 0
        self.served = 0
        self.per_client: Counter[str] = Counter()

    def refusal(self, client: str) -> str | None:
        if self.connected >= self.max_total:
            return f"too many WebSocket clients ({self.max_total} in all): try again later"
        if self.per_client[client] >= self.max_per_client:
            return f"too many WebSockets from your address ({self.max_per_client}): close some tabs"
        return None

    @contextlib.asynccontextmanager
    async def admit(self, ws: WebSocket) -> AsyncIterator[None]:
        """Accept the socket; if there is no room, say why and close it (1013: try again later)."""
        await ws.accept()
        client = client_of(ws)
        reason = self.refusal(client)
        if reason is not None:
            with contextlib.suppress(Exception):  # the client may be gone; the send may stall
                await asyncio.wait_for(
                    ws.send_text(ErrorMessage(message=reason).model_dump_json()), self.send_timeout_s
                )
                await asyncio.wait_for(ws.close(CLOSE_TRY_AGAIN_LATER), self.send_timeout_s)
            raise TooManySockets
        self.connected += 1
        self.served += 1
        self.per_client[client] += 1
        try:
            yield
        finally:
            self.connected -= 1
            self.per_client[client] -= 1
            if self.per_client[client] <= 0:
                del self.per_client[client]


class RateLimited(HTTPException):
    def __init__(self, retry_after_s: float, rate: float) -> None:
        seconds = max(1, math.ceil(retry_after_s))
        super().__init__(
            429,
            f"too many requests: at most {rate:g} a second from one address; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


class RateLimiter:
    """A token bucket per client: `burst` requests at once, refilled at `rate` a second."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)

    def take(self, client: str) -> float:
        """0 when the request may go, else the seconds until it could."""
        now = self.clock()
        tokens, when = self.buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - when) * self.rate)
        if tokens < 1.0:
            self.buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self.buckets[client] = (tokens - 1.0, now)
        if len(self.buckets) > MAX_TRACKED_CLIENTS:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop the buckets that have refilled: forgetting them changes nothing for their clients."""
        full = [c for c, (t, w) in self.buckets.items() if t + (now - w) * self.rate >= self.burst]
        for client in full:
            del self.buckets[client]


class Busy(HTTPException):
    def __init__(self, limit: int) -> None:
        self.message = f"busy: {limit} requests are already waiting for the model; try again in a moment"
        super().__init__(503, self.message, headers={"Retry-After": "1"})


class InteractiveGate:
    """Admits interactive work while fewer than `limit` such calls are running or waiting."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.pending = 0
        self.refused = 0

    async def run(self, call: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """`await call(*args, **kwargs)` (e.g. `models.run`) if there is room; else raises Busy."""
        if self.pending >= self.limit:
            self.refused += 1
            raise Busy(self.limit)
        self.pending += 1
        try:
            return await call(*args, **kwargs)
        finally:
            self.pending -= 1


class Limits:
    """The app's limits, made once from its settings (see `deps.Services`)."""

    def __init__(self, settings: Settings) -> None:
        self.sockets = SocketAdmission(settings.max_ws_clients, settings.max_ws_per_client, settings.ws_send_timeout_s)
        self.rate = RateLimiter(settings.rate_per_s, settings.rate_burst)
        self.interactive = InteractiveGate(settings.max_interactive_pending)


def get_limits(conn: HTTPConnection) -> Limits:
    return conn.app.state.services.limits


def rate_limited(conn: HTTPConnection) -> None:
    """A route dependency: 429 with Retry-After when this client is over its rate."""
    limiter = get_limits(conn).rate
    wait = limiter.take(client_of(conn))
    if wait > 0:
        raise RateLimited(wait, limiter.rate)


LimitsDep = Annotated[Limits, Depends(get_limits)]
RATE_LIMITED = [Depends(rate_limited)]
LIMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {"description": "Over this client's rate (`AEVP_RATE_PER_S`); `Retry-After` says when to try again"},
    503: {
        "description": "Busy: too many requests wait for the model (`AEVP_MAX_INTERACTIVE_PENDING`), see Retry-After"
    },
}
