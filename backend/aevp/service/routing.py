"""The route classes every router uses: strict JSON parsing and a request-body size limit.

* Python's json module accepts the non-standard tokens NaN, Infinity and -Infinity; a body carrying one
  would otherwise reach validation (and the error echoing it back could not be serialised). Here they
  are a JSON decode error, which FastAPI turns into a 422 naming the token.
* Bodies over the limit (settings `max_body_bytes`, or `max_upload_bytes` for `UploadRoute`) are refused
  with a JSON 413 before they are read in full: by Content-Length when given, else while streaming.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.types import Message, Receive


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not valid JSON: numbers must be finite")


def loads_strict(text: str | bytes) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity (raising json.JSONDecodeError)."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as e:
        if isinstance(e, json.JSONDecodeError):
            raise
        doc = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        token = str(e).split(" ", 1)[0]
        raise json.JSONDecodeError(str(e), doc, max(doc.find(token), 0)) from None


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body too large: the limit is {limit} bytes")


def limited(receive: Receive, limit: int) -> Receive:
    """A receive callable that raises BodyTooLarge once more than `limit` body bytes have arrived."""
    total = 0

    async def receive_limited() -> Message:
        nonlocal total
        message = await receive()
        if message["type"] == "http.request":
            total += len(message.get("body", b""))
            if total > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_limited


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_strict(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    limit_setting = "max_body_bytes"

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        limit_setting = self.limit_setting

        async def strict_handler(request: Request) -> Response:
            limit = getattr(request.app.state.services.settings, limit_setting)
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                raise BodyTooLarge(limit)
            return await handler(StrictJSONRequest(request.scope, limited(request.receive, limit)))

        return strict_handler


class UploadRoute(StrictJSONRoute):
    limit_setting = "max_upload_bytes"
