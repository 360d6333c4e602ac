"""The route class every router uses: JSON bodies with NaN or Infinity are rejected while parsing.

Python's json module accepts the non-standard tokens NaN, Infinity and -Infinity; a body carrying one
would otherwise reach validation (and the error echoing it back could not be serialised). Here they are
a JSON decode error, which FastAPI turns into a 422 naming the token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response


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


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_strict(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler
