"""The WebSocket protocol's JSON Schema and the command-line exports the frontend build runs."""

from __future__ import annotations

import json
import subprocess
import sys

from aevp.service.schemas import ws_schema


def test_ws_schema_is_deterministic_and_complete() -> None:
    schema = ws_schema()
    assert schema == ws_schema()
    assert schema["$id"] == "aevp-ws-protocol-v1"
    client = schema["properties"]["explore_client"]["discriminator"]["mapping"]
    server = schema["properties"]["explore_server"]["discriminator"]["mapping"]
    assert set(client) == {"explore", "decode"} and set(server) == {"explore_result", "decode_result", "error"}
    # What the server sends always has every field, so generated types need no optional checks.
    assert "type" in schema["$defs"]["LossesMessage"]["required"] and "v" in schema["$defs"]["HelloMessage"]["required"]


def test_command_line_exports() -> None:
    ws = subprocess.run([sys.executable, "-m", "aevp.service.schemas"], capture_output=True, check=True, text=True)
    assert json.loads(ws.stdout) == json.loads(json.dumps(ws_schema()))
    api = subprocess.run([sys.executable, "-m", "aevp.service.openapi"], capture_output=True, check=True, text=True)
    document = json.loads(api.stdout)
    assert document["info"]["title"] == "AeVP" and "/api/models/{model_id}/explore" in document["paths"]


def test_every_schema_example_is_a_valid_instance() -> None:
    from aevp.service import schemas
    from aevp.service.openapi import openapi_schema

    checked = []
    for name, component in openapi_schema()["components"]["schemas"].items():
        model = getattr(schemas, name, None)
        for example in component.get("examples", []):
            assert model is not None, name
            model.model_validate(example)
            checked.append(name)
    assert {"ModelSummary", "ModelDetail", "JobInfo", "ExploreResult", "Health", "SpecReport"} <= set(checked)
