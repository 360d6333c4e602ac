"""Explore and decode answers for a whole batch at once, and their two wire forms.

`explore_answers` / `decode_answers` turn one batched model call into one `Answer` per item: the numbers
(float32 arrays), and each shown layer's heatmap quantised as a Tensor8 (uint8 with a per-channel
[lo, hi]), quantised for the whole batch in a few NumPy calls. An `Answer` then becomes either a binary
WebSocket frame (`binary_frame`, explore protocol 2: a small JSON header, then the raw arrays) or the
JSON fields of protocol 1 and the REST routes (`json_fields`). Pure NumPy: no JAX, no pydantic.

A binary frame is: a uint32 (little-endian) header length, the UTF-8 JSON header, zero padding to a
multiple of 4 bytes, then the body. The header's `arrays` lists each array of the body in order as
[name, dtype ("f4" or "u1"), offset in the body, element count]; every offset is a multiple of 4, so a
client can view float32 arrays in place. A layer's arrays are named `<layer>.lo`, `<layer>.hi` (float32,
one per channel) and `<layer>` (uint8, C x H x W, C-major).
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aevp.ml.spec import LayerInfo

EXPLORE_PROTOCOL_VERSION = 2


@dataclass
class Layer:
    name: str
    part: str
    kind: str
    shape: list[int]  # [C, H, W]
    lo: np.ndarray  # (C,) float32
    hi: np.ndarray
    data: bytes  # C*H*W uint8, C-major


@dataclass
class Answer:
    """One item of a batch, ready for either wire form."""

    type: str  # "explore_result" or "decode_result"
    arrays: dict[str, np.ndarray]  # latent, reconstruction, latent_sigma, corrupted: float32, flat
    layers: list[Layer]
    scalars: dict[str, float | None] = field(default_factory=dict)  # mse, psnr, ssim (explore only)


def quantise_batch(a: np.ndarray) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
    """A batch of one layer's activations, (N, H, W, C), (N, H, W) or (N, D), as Tensor8s: the shape
    [C, H, W], lo and hi (N, C) and the bytes (N, C, H*W); the same bytes `encode.tensor8` gives per image."""
    a = np.asarray(a, dtype=np.float32)
    n = a.shape[0]
    if a.ndim == 4:
        shape, flat = [a.shape[3], a.shape[1], a.shape[2]], a.reshape(n, -1, a.shape[3])
    elif a.ndim == 3:
        shape, flat = [1, a.shape[1], a.shape[2]], a.reshape(n, -1, 1)
    else:
        shape, flat = [1, 1, a.shape[1]], a.reshape(n, -1, 1)
    lo, hi = flat.min(axis=1), flat.max(axis=1)
    bad = ~(np.isfinite(lo).all(axis=1) & np.isfinite(hi).all(axis=1))
    if bad.any():  # a diverged model: those images show zeros, not garbage
        flat = flat.copy()
        flat[bad] = np.nan_to_num(flat[bad], nan=0.0, posinf=0.0, neginf=0.0)
        lo[bad], hi[bad] = flat[bad].min(axis=1), flat[bad].max(axis=1)
    span = hi - lo
    scale = np.divide(np.float32(255.0), span, out=np.zeros_like(span), where=span > 0)
    q = ((flat - lo[:, None, :]) * scale[:, None, :] + np.float32(0.5)).astype(np.uint8)
    return shape, lo, hi, np.ascontiguousarray(q.transpose(0, 2, 1))


def batch_layers(
    table: Sequence[LayerInfo], activations: Mapping[str, np.ndarray], shown: Sequence[Collection[str] | None]
) -> list[list[Layer]]:
    """Each item's heatmaps for the layers of `table` it shows (`shown[i]`: names, or None for all), in
    table order; the latent is never a heatmap. A layer nobody shows is not quantised."""
    out: list[list[Layer]] = [[] for _ in shown]
    for row in table:
        if row.name == "latent" or row.name not in activations:
            continue
        wanted = [i for i, names in enumerate(shown) if names is None or row.name in names]
        if not wanted:
            continue
        shape, lo, hi, q = quantise_batch(activations[row.name][wanted])
        for k, i in enumerate(wanted):
            out[i].append(Layer(row.name, row.part, row.kind, shape, lo[k], hi[k], q[k].tobytes()))
    return out


def binary_frame(answer: Answer, request_id: int, extra: Mapping[str, Any] | None = None) -> bytes:
    """The answer as one binary WebSocket frame (see the module's docstring); `extra` goes in the header
    (e.g. `map_positions`)."""
    chunks: list[bytes] = []
    arrays: list[list[Any]] = []
    offset = 0

    def put(name: str, dtype: str, data: bytes, count: int) -> None:
        nonlocal offset
        arrays.append([name, dtype, offset, count])
        chunks.append(data)
        offset += len(data)
        if pad := -len(data) % 4:
            chunks.append(b"\0" * pad)
            offset += pad

    for name, a in answer.arrays.items():
        put(name, "f4", np.ascontiguousarray(a, np.float32).tobytes(), a.size)
    layers = []
    for layer in answer.layers:
        layers.append({"name": layer.name, "part": layer.part, "kind": layer.kind, "shape": layer.shape})
        put(f"{layer.name}.lo", "f4", layer.lo.astype(np.float32).tobytes(), layer.lo.size)
        put(f"{layer.name}.hi", "f4", layer.hi.astype(np.float32).tobytes(), layer.hi.size)
        put(layer.name, "u1", layer.data, len(layer.data))
    header = {
        "v": EXPLORE_PROTOCOL_VERSION,
        "type": answer.type,
        "request_id": request_id,
        **{k: _finite(v) for k, v in answer.scalars.items()},
        **(extra or {}),
        "layers": layers,
        "arrays": arrays,
    }
    head = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    head += b" " * (-(4 + len(head)) % 4)  # JSON allows trailing spaces: the body starts 4-aligned
    return b"".join([struct.pack("<I", len(head)), head, *chunks])


def read_frame(frame: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The inverse of `binary_frame`: the header and every array by name (tests and the load bench)."""
    (size,) = struct.unpack_from("<I", frame)
    header = json.loads(frame[4 : 4 + size])
    body = memoryview(frame)[4 + size :]
    arrays = {
        name: np.frombuffer(body, np.dtype(dtype).newbyteorder("<"), count, offset)
        for name, dtype, offset, count in header["arrays"]
    }
    return header, arrays


def json_fields(answer: Answer) -> dict[str, Any]:
    """The answer's fields as protocol 1 and the REST routes send them (lists, base64 Tensor8s)."""
    fields: dict[str, Any] = {name: _finite_list(a) for name, a in answer.arrays.items()}
    fields["activations"] = [
        {
            "name": layer.name,
            "part": layer.part,
            "kind": layer.kind,
            "tensor": {
                "shape": layer.shape,
                "lo": layer.lo.astype(np.float64).tolist(),
                "hi": layer.hi.astype(np.float64).tolist(),
                "data": base64.b64encode(layer.data).decode("ascii"),
            },
        }
        for layer in answer.layers
    ]
    fields.update({k: _finite(v) for k, v in answer.scalars.items()})
    return fields


def _finite(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _finite_list(a: np.ndarray) -> list[float | None]:
    a = np.asarray(a, dtype=np.float64).ravel()
    return a.tolist() if np.isfinite(a).all() else [x if np.isfinite(x) else None for x in a.tolist()]
