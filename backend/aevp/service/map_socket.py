"""One latent-map WebSocket: a slow map's progress as it is computed, then the map, then the close.

Starts the computation when it is not running (or follows it), polls its status in memory and sends only
changes; a map that is ready already is sent at once. Errors close the socket with a code that names
them: 4404 (no such model), 4422 (an unknown method, or a map this model cannot have), 1011 (the
computation failed or was dropped). The client only listens here, so the idle timeout counts the stream's
own silence: a map that makes no progress for `ws_idle_timeout_s` (queued behind others) is closed with a
message and 4408; its computation goes on, and a new socket follows it.
"""

from __future__ import annotations

import asyncio
import time

from pydantic import TypeAdapter, ValidationError

from aevp.service import latent_map
from aevp.service.datasource import DataUnavailable
from aevp.service.faults import MapUnavailable, ModelNotFound
from aevp.service.guard import Socket
from aevp.service.hub import CLOSE_NOT_FOUND
from aevp.service.models import Models
from aevp.service.schemas import (
    ErrorMessage,
    LatentMap,
    LatentMapStatus,
    MapMethod,
    MapProgressMessage,
    MapReadyMessage,
)

CLOSE_INVALID = 4422  # an unknown method, or a map this model cannot have
CLOSE_FAILED = 1011  # the computation itself failed
POLL_S = 0.2  # how often the stream looks at the computation's progress (it sends only changes)
_method = TypeAdapter(MapMethod)


async def stream(sock: Socket, models: Models, model_id: str, method: str) -> None:
    try:
        method = _method.validate_python(method)
        first = await models.run(models.latents.map, model_id, method, interactive=False)
    except (ValidationError, ModelNotFound, MapUnavailable, DataUnavailable) as e:
        code = CLOSE_NOT_FOUND if isinstance(e, ModelNotFound) else CLOSE_INVALID
        message = str(latent_map.unknown_method(method)) if isinstance(e, ValidationError) else str(e)
        await sock.send_and_close(ErrorMessage(message=message).model_dump_json(), code)
        return
    state: LatentMap | LatentMapStatus | None = first
    last: tuple | None = None
    quiet_since = time.monotonic()
    while True:
        if isinstance(state, LatentMap):
            await sock.send_and_close(MapReadyMessage(projection=state).model_dump_json(), 1000)
            return
        if state is None or state.state == "failed":
            error = state.error if state is not None else "the computation was dropped (model deleted?)"
            failed = ErrorMessage(message=f"{method} map failed: {error}")
            await sock.send_and_close(failed.model_dump_json(), CLOSE_FAILED)
            return
        now = (state.state, state.stage, state.fraction)
        if now != last:
            progress = MapProgressMessage(
                method=state.method, state=state.state, stage=state.stage, fraction=state.fraction
            )
            await sock.send(progress.model_dump_json())
            last = now
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > sock.idle_timeout_s:
            await sock.close_idle(f"the {method} map made no progress for {sock.idle_timeout_s:g} s")
            return
        await asyncio.sleep(POLL_S)
        state = models.latents.map_status(model_id, method)
