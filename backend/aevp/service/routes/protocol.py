"""GET /api/ws-schema: the WebSocket message union as JSON Schema, for the frontend's types."""

from typing import Any

from fastapi import APIRouter

from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import PROTOCOL_VERSION, ws_schema

router = APIRouter(tags=["protocol"], route_class=StrictJSONRoute)


@router.get(
    "/ws-schema",
    summary="WebSocket message schema",
    description="JSON Schema (draft 2020-12) of every WebSocket message, protocol version "
    f"{PROTOCOL_VERSION}. "
    "`properties.job_stream`: what `/ws/jobs/{id}` sends; `properties.explore_client` and "
    "`properties.explore_server`: the two directions of `/ws/models/{id}/explore`. Each message type is a "
    "named definition under `$defs`; every message has `v` (the protocol version) and a `type` tag. "
    "The same document is printed by `python -m aevp.service.schemas`.",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "title": "AevpWsProtocol",
                        "properties": {"job_stream": {"oneOf": [{"$ref": "#/$defs/HelloMessage"}]}},
                        "$defs": {"HelloMessage": {"type": "object"}},
                    }
                }
            }
        }
    },
)
async def get_ws_schema() -> dict[str, Any]:
    return ws_schema()
