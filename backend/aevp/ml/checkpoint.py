"""Model folders on disk: spec.json, metrics.json, history.json and weights.safetensors (and timeline.npz).

A folder is written under a temporary name, fsynced and put in place in one step (`folders.put_in_place`), so
a crash at any moment leaves either a complete model or none, and replacing an id never hides it. Ids are made
here, never taken from user text. Metadata is validated by `aevp.ml.meta` on every read and before every write.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load as st_load
from safetensors.numpy import load_file, save_file
from safetensors.numpy import save as st_save

from aevp.ml import meta
from aevp.ml import timeline_file as tf
from aevp.ml.folders import TMP_PREFIX, fsync_dir, put_in_place
from aevp.ml.spec import VARIANT_PREFIX, ModelSpec

FORMAT = "aevp-model-1"
WEIGHTS = "weights.safetensors"
FILES = ("spec.json", "metrics.json", "history.json", WEIGHTS)
TIMELINE = tf.FILE  # optional: the training timeline (aevp.ml.timeline)
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
EMPTY_HISTORY = '{"losses": [], "epochs": []}'


class CheckpointError(ValueError):
    """A model folder or bundle that is missing, malformed or does not match its spec."""


class InvalidMetadata(CheckpointError):
    """Metadata that fails validation; `field` is the dotted path of the offending value ("metrics.psnr")."""

    def __init__(self, prefix: str, error: meta.MetadataError) -> None:
        super().__init__(f"{prefix}{error}")
        self.field = error.field
        self.reason = error.message


@dataclass(frozen=True)
class CheckpointInfo:
    id: str
    spec: ModelSpec
    metrics: dict[str, Any]
    created: float
    path: Path


@dataclass(frozen=True)
class Checkpoint(CheckpointInfo):
    params: dict[str, np.ndarray]
    history: dict[str, Any]


def is_valid_id(model_id: str) -> bool:
    return bool(_ID.fullmatch(model_id))


def spec_name(spec: ModelSpec) -> str:
    """A readable architecture name such as 'ae-32-64-l16' (a VAE's 'vae-...', a denoising one's 'dae-...')."""
    filters = "-".join(str(b.filters) for b in spec.blocks)
    return f"{VARIANT_PREFIX[spec.variant].lower()}-{filters}-l{spec.latent_dim}"


def new_model_id(spec: ModelSpec) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return f"{spec_name(spec)}-{spec.dataset}-{stamp}-{secrets.token_hex(3)}"


def expected_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]]:
    """Every weight's name and shape for this spec (from the model itself, without computing)."""
    from aevp.ml.steps import param_shapes  # jax is imported only when weights are checked

    return param_shapes(spec)


def check_params(spec: ModelSpec, params: dict[str, np.ndarray]) -> None:
    expected = expected_shapes(spec)
    missing, extra = sorted(set(expected) - set(params)), sorted(set(params) - set(expected))
    if missing or extra:
        raise CheckpointError(f"weights do not match the spec: missing {missing}, unexpected {extra}")
    for name, shape in expected.items():
        arr = params[name]
        if tuple(arr.shape) != shape or arr.dtype != np.float32:
            raise CheckpointError(
                f"weights do not match the spec: {name} is {arr.dtype}{tuple(arr.shape)}, expected float32{shape}"
            )
        if not np.isfinite(arr).all():
            raise CheckpointError(f"weights contain NaN or infinity in {name}")


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=1, allow_nan=False))


def validated(spec: ModelSpec, metrics: dict[str, Any], history: dict[str, Any] | None) -> meta.BundleMeta:
    """A training run's metadata as the format wants it (a diverged loss becomes null), or a CheckpointError."""
    try:
        return meta.validate(spec, meta.sanitize(metrics), meta.sanitize(history or {"losses": [], "epochs": []}))
    except meta.MetadataError as e:
        raise InvalidMetadata("", e) from None


def save(
    root: Path,
    spec: ModelSpec,
    params: dict[str, np.ndarray],
    metrics: dict[str, Any],
    history: dict[str, Any] | None = None,
    model_id: str | None = None,
    timeline: bytes | None = None,
) -> str:
    """Write a model folder atomically and return its id (a new one unless `model_id` is given: then replaced);
    `timeline` is a timeline file's bytes (aevp.ml.timeline.dump), checked against the spec."""
    check_params(spec, params)
    checked = validated(spec, metrics, history)
    if timeline is not None:
        try:
            tf.read(timeline, spec)
        except tf.TimelineError as e:
            raise CheckpointError(f"timeline: {e}") from None
    model_id = model_id or new_model_id(spec)
    if not is_valid_id(model_id):
        raise CheckpointError(f"invalid model id {model_id!r}")
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{TMP_PREFIX}{model_id}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        save_file({k: np.ascontiguousarray(v) for k, v in params.items()}, str(tmp / WEIGHTS),
                  metadata={"format": FORMAT})
        (tmp / "spec.json").write_text(spec.model_dump_json(indent=1))
        _write_json(tmp / "metrics.json", checked.metrics)
        _write_json(tmp / "history.json", meta.dump_history(checked.history))
        if timeline is not None:
            (tmp / TIMELINE).write_bytes(timeline)
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        fsync_dir(tmp)
        put_in_place(tmp, root / model_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return model_id


def _read_text(path: Path, limit: int) -> str:
    """A metadata file's text; a huge one is refused before it is read."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise CheckpointError(f"{path.name} is {size} bytes; at most {limit}")
        return f.read().decode("utf-8", "replace")


def _folder_error(path: Path, reason: str) -> CheckpointError:
    return CheckpointError(f"model folder {path.name}: {reason}")


def read_meta(path: Path) -> meta.BundleMeta:
    """A folder's spec, metrics and history, validated; a CheckpointError naming the folder and the field."""
    try:
        texts = [_read_text(path / f"{part}.json", meta.LIMITS[part]) for part in ("spec", "metrics", "history")]
        return meta.read(*texts)
    except meta.MetadataError as e:
        raise InvalidMetadata(f"model folder {path.name}: ", e) from None
    except OSError as e:
        raise _folder_error(path, f"{Path(e.filename or '?').name} is unreadable ({e.strerror or e})") from None


def _weights_date(path: Path) -> float:
    try:
        return (path / WEIGHTS).stat().st_mtime
    except OSError:
        raise _folder_error(path, f"{WEIGHTS} is missing") from None


def check_weights_file(path: Path) -> None:
    """The weights file's header against its length and dtypes, without reading the weights or importing JAX: a
    truncated or foreign file is found when the folder is listed (shapes are checked against the spec on load)."""
    try:
        with open(path / WEIGHTS, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(8)
            (n,) = struct.unpack("<Q", head) if len(head) == 8 else (size,)
            if n > min(size - 8, MAX_BUNDLE_BYTES):
                raise ValueError("bad header length")
            header = json.loads(f.read(n))
        tensors = {k: v for k, v in header.items() if k != "__metadata__"}
        end = max((int(v["data_offsets"][1]) for v in tensors.values()), default=0)
        dtypes = {v["dtype"] for v in tensors.values()}
    except OSError as e:
        raise _folder_error(path, f"{WEIGHTS} is unreadable ({e.strerror or e})") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as e:
        raise _folder_error(path, f"{WEIGHTS} is not a safetensors file ({e})") from None
    if 8 + n + end != size:
        raise _folder_error(path, f"{WEIGHTS} is truncated or damaged: {size} bytes, its header says {8 + n + end}")
    if dtypes - {"F32"}:
        raise _folder_error(path, f"{WEIGHTS} holds {sorted(dtypes - {'F32'})} tensors; only float32 is used")


def inspect(path: Path) -> CheckpointInfo:
    """A folder's validated metadata and date, without reading the weights (only their presence is checked)."""
    checked = read_meta(path)
    return CheckpointInfo(path.name, checked.spec, dict(checked.metrics), _weights_date(path), path)


def load(path: Path) -> Checkpoint:
    """Read a model folder, checking the metadata and the weights against the spec."""
    checked = read_meta(path)
    created = _weights_date(path)
    try:
        params = load_file(str(path / WEIGHTS))
    except Exception as exc:  # safetensors raises its own error type for truncated or malformed files
        raise _folder_error(path, f"{WEIGHTS} is unreadable ({exc})") from exc
    try:
        check_params(checked.spec, params)
    except CheckpointError as e:
        raise _folder_error(path, str(e)) from None
    history = meta.dump_history(checked.history)
    return Checkpoint(path.name, checked.spec, dict(checked.metrics), created, path, params, history)


def model_folders(root: Path) -> list[Path]:
    """The folders under `root` named as models (temporary ones skipped), complete or not."""
    if not root.is_dir():
        return []
    return [p for p in root.iterdir() if is_valid_id(p.name) and p.is_dir()]


def stamp(path: Path) -> tuple[tuple[int, int] | None, ...]:
    """What changes when any of a folder's files does: (mtime, size) of each (None where missing)."""
    out = []
    for name in (*FILES, TIMELINE):
        try:
            st = (path / name).stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


def list_checkpoints(root: Path) -> list[CheckpointInfo]:
    """Complete, valid model folders under `root`, newest first (broken and temporary ones are skipped)."""
    found = []
    for path in model_folders(root):
        try:
            found.append(inspect(path))
        except CheckpointError:
            continue
    return sorted(found, key=lambda c: c.created, reverse=True)


def delete(root: Path, model_id: str) -> None:
    """Remove a model folder: renamed away first, so a half-deleted model is never listed."""
    if not is_valid_id(model_id) or not (root / model_id).is_dir():
        raise CheckpointError(f"no model {model_id!r}")
    trash = root / f"{TMP_PREFIX}del-{model_id}-{secrets.token_hex(4)}"
    (root / model_id).rename(trash)
    shutil.rmtree(trash, ignore_errors=True)


def to_bundle(ckpt: Checkpoint) -> bytes:
    """One safetensors file: the weights, with spec, metrics and history in its metadata."""
    tensors = {k: np.ascontiguousarray(v) for k, v in ckpt.params.items()}
    timeline = tf.read_folder_file(ckpt.path)
    if timeline is not None:
        tensors[tf.BUNDLE_TENSOR] = np.frombuffer(timeline, np.uint8)
    header = {
        "format": FORMAT,
        "spec": ckpt.spec.model_dump_json(),
        "metrics": json.dumps(ckpt.metrics, allow_nan=False),
        "history": json.dumps(ckpt.history, allow_nan=False),
    }
    return st_save(tensors, metadata=header)


DECODER_FORMAT = "aevp-decoder-1"


def decoder_file(spec: ModelSpec, params: dict[str, np.ndarray]) -> bytes:
    """The decoder alone as a safetensors file, for a browser to decode slider codes itself.

    Its tensors are the decoder layers' `<name>.kernel` and `<name>.bias` (kernels HWIO, dense (in, out));
    its metadata holds `format`, the spec's `activation` and `layers`: the decoder rows of the layer table
    (name, kind, kernel, shape, activation) in the order data flows.
    """
    rows = [r for r in spec.layers() if r.part == "decoder"]
    tensors = {f"{r.name}.{p}": np.ascontiguousarray(params[f"{r.name}.{p}"], np.float32)
               for r in rows for p in ("kernel", "bias")}
    layers = [{"name": r.name, "kind": r.kind, "kernel": r.kernel, "shape": list(r.shape), "activation": r.activation}
              for r in rows]
    header = {"format": DECODER_FORMAT, "activation": spec.activation, "layers": json.dumps(layers)}
    return st_save(tensors, metadata=header)


def _bundle_metadata(data: bytes) -> dict[str, Any]:
    # safetensors layout: u64 little-endian header length, then a JSON header.
    if len(data) < 8:
        raise CheckpointError("not a safetensors file: too short")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise CheckpointError("not a safetensors file: bad header length")
    try:
        header = json.loads(data[8 : 8 + n])
    except (ValueError, RecursionError) as exc:
        raise CheckpointError("not a safetensors file: header is not JSON") from exc
    found = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(found, dict) or found.get("format") != FORMAT:
        raise CheckpointError(f"not an AeVP model file: metadata 'format' must be {FORMAT!r}")
    return found


def from_bundle(data: bytes) -> tuple[ModelSpec, dict[str, np.ndarray], dict[str, Any], dict[str, Any]]:
    """Parse and validate a bundle made by `to_bundle` (never unpickles anything). Unknown metadata keys are ignored."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise CheckpointError(f"model file is larger than {MAX_BUNDLE_BYTES // (1024 * 1024)} MiB")
    found = _bundle_metadata(data)
    texts = {"spec": found.get("spec"), "metrics": found.get("metrics", "{}"),
             "history": found.get("history", EMPTY_HISTORY)}
    try:
        for part, text in texts.items():
            if not isinstance(text, str):
                raise meta.MetadataError(part, "must be a JSON text (a string in the file's metadata)")
        checked = meta.read(texts["spec"], texts["metrics"], texts["history"])
    except meta.MetadataError as e:
        raise InvalidMetadata("", e) from None
    try:
        params = st_load(data)
    except Exception as exc:  # safetensors raises its own error type for malformed data
        raise CheckpointError(f"invalid AeVP model file: {exc}") from exc
    params.pop(tf.BUNDLE_TENSOR, None)  # read by bundle_timeline
    check_params(checked.spec, params)
    return checked.spec, params, dict(checked.metrics), meta.dump_history(checked.history)


def bundle_timeline(data: bytes, spec: ModelSpec) -> bytes | None:
    """A bundle's timeline file (None when it carries none), checked against the spec; a CheckpointError if bad."""
    try:
        return tf.from_tensor(st_load(data).get(tf.BUNDLE_TENSOR), spec)
    except tf.TimelineError as e:
        raise CheckpointError(f"timeline: {e}") from None
    except Exception as exc:  # safetensors raises its own error type for malformed data
        raise CheckpointError(f"invalid AeVP model file: {exc}") from exc
