"""The timeline file, `timeline.npz`: NumPy's zip (deflated; never pickles), written and read with every bound.

Files come from uploads too, so `read` checks each member's name and declared shape and size before reading
it (a header cannot make it allocate more than the member holds), then every bound (frames, probes, points,
layers, bytes) and, given the spec, the layer table. In a bundle the file travels as one uint8 tensor.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from aevp.ml.spec import IMAGE_SIZE
from aevp.ml.timeline import MAX_FRAMES, MAX_POINTS, MAX_PROBES, Timeline

if TYPE_CHECKING:
    from aevp.ml.spec import ModelSpec

FORMAT = "aevp-timeline-1"
FILE = "timeline.npz"
BUNDLE_TENSOR = "__timeline__"  # in a bundle: the file's bytes as one uint8 tensor
MAX_LAYERS = 64
MAX_STEP = 10_000_000
MAX_FILE_BYTES = 16 * 1024 * 1024  # a file on disk or in a bundle
MAX_RAW_BYTES = 48 * 1024 * 1024  # its arrays, decompressed
_MEMBER = re.compile(r"^(meta|steps|epochs|losses|probes|recon|map_indices|map_labels|positions|"
                     r"act_[0-9]{1,2}|lo_[0-9]{1,2}|hi_[0-9]{1,2})\.npy$")
_LAYER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class TimelineError(ValueError):
    """A timeline file that is malformed, over a bound, or does not fit its model."""


def dump(t: Timeline) -> bytes:
    """The timeline as `timeline.npz` bytes (deflated)."""
    meta = {"format": FORMAT, "layers": [{"name": n, "shape": list(s)} for n, s in t.layers]}
    arrays: dict[str, np.ndarray] = {
        "meta": np.frombuffer(json.dumps(meta).encode(), np.uint8),
        "steps": t.steps, "epochs": t.epochs, "losses": t.losses, "probes": t.probes, "recon": t.recon,
        "map_indices": t.map_indices, "map_labels": t.map_labels, "positions": t.positions,
    }
    for i in range(len(t.layers)):
        arrays[f"act_{i}"], arrays[f"lo_{i}"], arrays[f"hi_{i}"] = t.act[i], t.lo[i], t.hi[i]
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    data = buf.getvalue()
    if len(data) > MAX_FILE_BYTES:
        raise TimelineError(f"timeline is {len(data)} bytes; at most {MAX_FILE_BYTES}")
    return data


def _members(data: bytes) -> dict[str, np.ndarray]:
    """The zip's arrays, each header checked (shape x item size within its declared, bounded size) before reading."""
    if len(data) > MAX_FILE_BYTES:
        raise TimelineError(f"timeline is {len(data)} bytes; at most {MAX_FILE_BYTES}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > 8 + 3 * MAX_LAYERS:
                raise TimelineError(f"timeline holds {len(infos)} files; at most {8 + 3 * MAX_LAYERS}")
            if sum(i.file_size for i in infos) > MAX_RAW_BYTES:
                raise TimelineError(f"timeline's arrays hold more than {MAX_RAW_BYTES} bytes")
            out = {}
            for info in infos:
                if not _MEMBER.match(info.filename) or info.filename[:-4] in out:
                    raise TimelineError(f"unexpected file {info.filename[:60]!r} in the timeline")
                with zf.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                              else np.lib.format.read_array_header_2_0)
                    shape, fortran, dtype = header(f)
                    if dtype.hasobject or fortran or dtype.kind not in "uif" or len(shape) > 4:
                        raise TimelineError(f"{info.filename}: only plain numeric arrays are allowed")
                    size = math.prod(shape) * dtype.itemsize
                    if size > info.file_size:
                        raise TimelineError(f"{info.filename}: its header claims more data than it holds")
                    raw = f.read(size)
                    if len(raw) != size:
                        raise TimelineError(f"{info.filename} is truncated")
                    out[info.filename[:-4]] = np.frombuffer(raw, dtype).reshape(shape).copy()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError, NotImplementedError) as e:
        if isinstance(e, TimelineError):
            raise
        raise TimelineError(f"not a timeline file ({str(e)[:200]})") from None
    return out


def _need(arrays: dict[str, np.ndarray], name: str, dtype: str, shape: tuple[int | None, ...]) -> np.ndarray:
    a = arrays.get(name)
    if a is None:
        raise TimelineError(f"{name} is missing")
    if a.dtype != np.dtype(dtype) or a.ndim != len(shape) or any(
        want is not None and got != want for got, want in zip(a.shape, shape, strict=True)
    ):
        raise TimelineError(f"{name} is {a.dtype}{a.shape}; expected {dtype} of shape {shape}")
    return a


def read(data: bytes, spec: ModelSpec | None = None) -> Timeline:
    """Parse and check a timeline file against every bound (and, given the spec, its layer table)."""
    arrays = _members(data)
    try:
        meta = json.loads(bytes(_need(arrays, "meta", "uint8", (None,))).decode())
        layer_meta = meta["layers"]
        if meta.get("format") != FORMAT or not isinstance(layer_meta, list) or len(layer_meta) > MAX_LAYERS:
            raise ValueError("format or layers")
        layers = [(str(m["name"]), tuple(int(v) for v in m["shape"])) for m in layer_meta]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise TimelineError(f"meta must be {FORMAT!r} JSON with at most {MAX_LAYERS} layers") from None
    steps = _need(arrays, "steps", "int64", (None,))
    n = steps.shape[0]
    if not 1 <= n <= MAX_FRAMES:
        raise TimelineError(f"timeline has {n} frames; 1 to {MAX_FRAMES} allowed")
    if steps[0] < 0 or steps[-1] > MAX_STEP or (n > 1 and not (np.diff(steps) > 0).all()):
        raise TimelineError(f"steps must rise strictly, within 0..{MAX_STEP}")
    epochs = _need(arrays, "epochs", "int32", (n,))
    if epochs.min() < 0 or epochs.max() > 1000:
        raise TimelineError("epochs must be within 0..1000")
    losses = _need(arrays, "losses", "float64", (n,))
    if np.any(np.abs(losses[np.isfinite(losses)]) > 1e15) or np.isinf(losses).any():
        raise TimelineError("losses must be finite (or NaN where there is none) and within ±1e15")
    probes = _need(arrays, "probes", "uint8", (None, IMAGE_SIZE, IMAGE_SIZE))
    if not 1 <= probes.shape[0] <= MAX_PROBES:
        raise TimelineError(f"1 to {MAX_PROBES} probe images allowed")
    recon = _need(arrays, "recon", "uint8", (n, probes.shape[0], IMAGE_SIZE, IMAGE_SIZE))
    indices = _need(arrays, "map_indices", "int32", (None,))
    points = indices.shape[0]
    if not 1 <= points <= MAX_POINTS or indices.min() < 0:
        raise TimelineError(f"1 to {MAX_POINTS} map points allowed, with indices >= 0")
    labels = _need(arrays, "map_labels", "int32", (points,))
    if labels.min() < -1 or labels.max() > 65535:
        raise TimelineError("map labels must be within -1..65535")
    positions = _need(arrays, "positions", "float32", (n, points, 2))
    if not np.isfinite(positions).all() or np.abs(positions).max() > 1e6:
        raise TimelineError("map positions must be finite and within ±1e6")
    act, lo, hi = [], [], []
    for i, (name, shape) in enumerate(layers):
        if not _LAYER_NAME.match(name) or len(shape) != 3 or min(shape) < 1 or math.prod(shape) > 1 << 22:
            raise TimelineError(f"layer {i} ({name[:40]!r}, {shape}) is not a valid layer")
        c, h, w = shape
        act.append(_need(arrays, f"act_{i}", "uint8", (n, c, h * w)))
        for part, store in (("lo", lo), ("hi", hi)):
            a = _need(arrays, f"{part}_{i}", "float32", (n, c))
            if not np.isfinite(a).all():
                raise TimelineError(f"{part}_{i} must be finite")
            store.append(a)
    if len(arrays) != 9 + 3 * len(layers):
        raise TimelineError("timeline holds arrays for layers its meta does not name")
    if spec is not None:
        expected = [(layer.name, _wire_shape(layer.shape)) for layer in spec.layers() if layer.name != "latent"]
        if [(name, shape) for name, shape in layers] != expected:
            raise TimelineError("timeline's layers do not match the model's layer table")
    return Timeline(steps, epochs, losses, probes, recon, tuple(layers), tuple(act), tuple(lo), tuple(hi),  # type: ignore[arg-type]
                    indices, labels, positions)


def _wire_shape(shape: tuple[int, ...]) -> tuple[int, int, int]:
    if len(shape) == 3:
        return (shape[2], shape[0], shape[1])
    if len(shape) == 2:
        return (1, shape[0], shape[1])
    return (1, 1, math.prod(shape))


def _wire_shape(shape: tuple[int, ...]) -> tuple[int, int, int]:
    if len(shape) == 3:
        return (shape[2], shape[0], shape[1])
    if len(shape) == 2:
        return (1, shape[0], shape[1])
    return (1, 1, math.prod(shape))


def read_folder_file(path: Path) -> bytes | None:
    """A model folder's timeline file, unparsed (None when it has none); a huge one is refused before it is read."""
    try:
        with open(path / FILE, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise TimelineError(f"{FILE} is {size} bytes; at most {MAX_FILE_BYTES}")
            return f.read()
    except FileNotFoundError:
        return None


def from_tensor(raw: np.ndarray | None, spec: ModelSpec) -> bytes | None:
    """A bundle's timeline tensor as checked file bytes (None when the bundle carries none)."""
    if raw is None:
        return None
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise TimelineError(f"{BUNDLE_TENSOR} must be a 1-D uint8 tensor")
    data = raw.tobytes()
    read(data, spec)
    return data


def write_into(folder: Path, data: bytes, spec: ModelSpec) -> None:
    """Put a timeline file into an existing model folder atomically (a temporary name, fsync, rename)."""
    read(data, spec)
    tmp = folder / f".tmp-{FILE}-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / FILE)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    finally:
        tmp.unlink(missing_ok=True)
