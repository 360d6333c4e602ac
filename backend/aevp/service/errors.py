"""Every failure becomes a 4xx whose `detail` names the problem; the handlers themselves cannot fail.

FastAPI's default validation handler echoes each offending input back, and a NaN among them makes the
error response itself unserialisable (a 500). These handlers send only `loc`, `msg` and `type`.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocketState

from aevp.ml.checkpoint import CheckpointError
from aevp.service.datasource import DataUnavailable
from aevp.service.faults import (
    DatasetNotFound,
    InvalidField,
    LatentSizeMismatch,
    MapUnavailable,
    ModelNotFound,
    ModelReadOnly,
    NotVae,
    TimelineNotFound,
    WalkInvalid,
)
from aevp.service.jobs import JobNotFound, JobNotResumable, QueueFull

log = logging.getLogger(__name__)

# Domain exceptions raised anywhere below a route, and the status each means.
STATUS_OF: dict[type[Exception], int] = {
    ModelNotFound: 404,
    JobNotFound: 404,
    DatasetNotFound: 404,
    TimelineNotFound: 404,
    ModelReadOnly: 403,
    DataUnavailable: 409,
    QueueFull: 429,
    JobNotResumable: 409,
    LatentSizeMismatch: 422,
    MapUnavailable: 422,  # a map this model cannot have (the latent plane of a model that is not 2-D)
    WalkInvalid: 422,
    NotVae: 409,
    CheckpointError: 409,  # a model folder that is unavailable, or broke between listing and loading
}


def _safe(value: Any) -> Any:
    """loc entries are str or int; anything else becomes its string form."""
    return value if isinstance(value, str | int) and not isinstance(value, bool) else str(value)


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """pydantic/FastAPI error dicts reduced to JSON-safe {loc, msg, type}; no echoed input."""
    out = []
    for err in errors:
        msg = str(err.get("msg", "invalid"))
        ctx = err.get("ctx") or {}
        if err.get("type") == "json_invalid" and ctx.get("error"):
            msg = f"{msg}: {ctx['error']}"
        out.append(
            {
                "loc": [_safe(x) for x in err.get("loc", ())],
                "msg": msg,
                "type": str(err.get("type", "invalid")),
            }
        )
    return out


async def _validation(request: Request, exc: RequestValidationError) -> Response:
    return JSONResponse({"detail": validation_errors(exc.errors())}, status_code=422)


async def _invalid_field(request: Request, exc: InvalidField) -> Response:
    """Shaped as the schema's own 422s, so clients read one error format."""
    error = {"loc": tuple(exc.loc), "msg": str(exc), "type": "value_error"}
    return await _validation(request, RequestValidationError([error]))


async def _http(request: Request, exc: HTTPException) -> Response:
    headers = getattr(exc, "headers", None)
    if exc.status_code in (204, 304) or exc.status_code < 200:
        return Response(status_code=exc.status_code, headers=headers)
    detail = exc.detail
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.method} {request.url.path}"
    elif exc.status_code == 405:
        detail = f"method {request.method} is not allowed on {request.url.path}"
    return JSONResponse({"detail": str(detail)}, status_code=exc.status_code, headers=headers)


async def _domain(request: Request, exc: Exception) -> Response | None:
    status = next((s for t, s in STATUS_OF.items() if isinstance(exc, t)), 400)
    if isinstance(request, WebSocket):  # raised in a socket route: no HTTP answer is possible there
        await _close_socket(request, status, str(exc))
        return None
    return JSONResponse({"detail": str(exc)}, status_code=status)


async def _close_socket(ws: WebSocket, status: int, message: str) -> None:
    """The protocol's error message, then a close with 4000 + the status (4404 not found, 4409 unavailable)."""
    from aevp.service.schemas import ErrorMessage

    with contextlib.suppress(Exception):  # the client may be gone already
        if ws.application_state == WebSocketState.CONNECTING:
            await ws.accept()
        await ws.send_text(ErrorMessage(message=message).model_dump_json())
        await ws.close(4000 + status)


async def _unexpected(request: Request, exc: Exception) -> Response:
    """A bug: the client gets an id to quote, the log the same id with the traceback (nothing else leaks)."""
    error_id = secrets.token_hex(6)
    log.error("internal error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal error", "error_id": error_id}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidField, _invalid_field)  # type: ignore[arg-type]
    for exc_type in STATUS_OF:
        app.add_exception_handler(exc_type, _domain)
    app.add_exception_handler(Exception, _unexpected)
