"""Model files (safetensors bundles) taken apart and put back together with other metadata, for hostile uploads."""

from __future__ import annotations

import json
import struct
from typing import Any

import httpx


def split(data: bytes) -> tuple[dict[str, Any], bytes]:
    """A bundle's JSON header and the tensor bytes after it."""
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + n]), data[8 + n :]


def metadata(data: bytes) -> dict[str, Any]:
    """The header's `__metadata__`: format, and spec, metrics, history as JSON texts."""
    return split(data)[0]["__metadata__"]


def with_metadata(data: bytes, replace: dict[str, Any] | None = None, drop: tuple[str, ...] = ()) -> bytes:
    """The same tensors under other metadata: `replace` sets keys (values as given: texts, or anything else to
    test non-text values), `drop` removes keys."""
    header, rest = split(data)
    found = dict(header["__metadata__"])
    found.update(replace or {})
    for key in drop:
        found.pop(key, None)
    header["__metadata__"] = found
    raw = json.dumps(header, allow_nan=True).encode()
    raw += b" " * (-len(raw) % 8)  # safetensors pads the header to 8 bytes
    return struct.pack("<Q", len(raw)) + raw + rest


def upload(client: httpx.Client, data: bytes) -> httpx.Response:
    return client.post("/api/models/upload", files={"file": ("model.safetensors", data, "application/octet-stream")})
