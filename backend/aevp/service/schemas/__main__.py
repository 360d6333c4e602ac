"""`python -m aevp.service.schemas > ws-schema.json`: the WebSocket protocol's JSON Schema."""

import json

from aevp.service.schemas.ws import ws_schema

print(json.dumps(ws_schema(), indent=2))
