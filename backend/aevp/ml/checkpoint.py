"""Model folders on disk: spec.json, metrics.json, history.json and weights.safetensors.

A folder is written under a temporary name and renamed into place, so a crash at any moment
leaves either a complete model or none. Ids are made here, never taken from user text.
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

from aevp.ml.spec import VARIANT_PREFIX, ModelSpec

FORMAT = "aevp-model-1"
WEIGHTS = "weights.safetensors"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_TMP_PREFIX = ".tmp-"
MAX_BUNDLE_BYTES = 64 * 1024 * 1024


class CheckpointError(ValueError):
    """A model folder or bundle that is missing, malformed or does not match its spec."""


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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(
    root: Path,
    spec: ModelSpec,
    params: dict[str, np.ndarray],
    metrics: dict[str, Any],
    history: dict[str, Any] | None = None,
    model_id: str | None = None,
) -> str:
    """Write a model folder atomically and return its id (a new one unless `model_id` is given)."""
    check_params(spec, params)
    model_id = model_id or new_model_id(spec)
    if not is_valid_id(model_id):
        raise CheckpointError(f"invalid model id {model_id!r}")
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{_TMP_PREFIX}{model_id}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        save_file({k: np.ascontiguousarray(v) for k, v in params.items()}, str(tmp / WEIGHTS),
                  metadata={"format": FORMAT})
        (tmp / "spec.json").write_text(spec.model_dump_json(indent=1))
        _write_json(tmp / "metrics.json", metrics)
        _write_json(tmp / "history.json", history or {"losses": [], "epochs": []})
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(tmp)
        final = root / model_id
        if final.exists():  # replacing a model (e.g. `make pretrained`): swap, then drop the old one
            old = root / f"{_TMP_PREFIX}old-{model_id}-{secrets.token_hex(4)}"
            final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(final)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return model_id


def _read_meta(path: Path) -> tuple[ModelSpec, dict[str, Any]]:
    try:
        spec = ModelSpec.model_validate_json((path / "spec.json").read_text())
        metrics = json.loads((path / "metrics.json").read_text())
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"model folder {path.name} is unreadable: {exc}") from exc
    return spec, metrics


def load(path: Path) -> Checkpoint:
    """Read a model folder, checking the weights against the spec."""
    spec, metrics = _read_meta(path)
    try:
        params = load_file(str(path / WEIGHTS))
        history = json.loads((path / "history.json").read_text())
    except Exception as exc:  # safetensors raises its own error type for truncated or malformed files
        raise CheckpointError(f"model folder {path.name} is unreadable: {exc}") from exc
    check_params(spec, params)
    return Checkpoint(path.name, spec, metrics, (path / WEIGHTS).stat().st_mtime, path, params, history)


def list_checkpoints(root: Path) -> list[CheckpointInfo]:
    """Complete model folders under `root`, newest first (temporary folders are skipped)."""
    if not root.is_dir():
        return []
    found = []
    for path in root.iterdir():
        if path.name.startswith(_TMP_PREFIX) or not path.is_dir() or not is_valid_id(path.name):
            continue
        try:
            spec, metrics = _read_meta(path)
        except CheckpointError:
            continue
        found.append(CheckpointInfo(path.name, spec, metrics, (path / WEIGHTS).stat().st_mtime, path))
    return sorted(found, key=lambda c: c.created, reverse=True)


def delete(root: Path, model_id: str) -> None:
    """Remove a model folder: renamed away first, so a half-deleted model is never listed."""
    if not is_valid_id(model_id) or not (root / model_id).is_dir():
        raise CheckpointError(f"no model {model_id!r}")
    trash = root / f"{_TMP_PREFIX}del-{model_id}-{secrets.token_hex(4)}"
    (root / model_id).rename(trash)
    shutil.rmtree(trash, ignore_errors=True)


def to_bundle(ckpt: Checkpoint) -> bytes:
    """One safetensors file: the weights, with spec, metrics and history in its metadata."""
    meta = {
        "format": FORMAT,
        "spec": ckpt.spec.model_dump_json(),
        "metrics": json.dumps(ckpt.metrics, allow_nan=False),
        "history": json.dumps(ckpt.history, allow_nan=False),
    }
    return st_save({k: np.ascontiguousarray(v) for k, v in ckpt.params.items()}, metadata=meta)


def _bundle_metadata(data: bytes) -> dict[str, str]:
    # safetensors layout: u64 little-endian header length, then a JSON header.
    if len(data) < 8:
        raise CheckpointError("not a safetensors file: too short")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8 or n > 16 * 1024 * 1024:
        raise CheckpointError("not a safetensors file: bad header length")
    try:
        header = json.loads(data[8 : 8 + n])
    except ValueError as exc:
        raise CheckpointError("not a safetensors file: header is not JSON") from exc
    meta = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"not an AeVP model file: metadata 'format' must be {FORMAT!r}")
    return meta


def from_bundle(data: bytes) -> tuple[ModelSpec, dict[str, np.ndarray], dict[str, Any], dict[str, Any]]:
    """Parse and validate a bundle made by `to_bundle` (never unpickles anything)."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise CheckpointError(f"model file is larger than {MAX_BUNDLE_BYTES // (1024 * 1024)} MiB")
    meta = _bundle_metadata(data)
    try:
        spec = ModelSpec.model_validate_json(meta["spec"])
        metrics = json.loads(meta.get("metrics", "{}"))
        history = json.loads(meta.get("history", '{"losses": [], "epochs": []}'))
        params = st_load(data)
    except Exception as exc:  # safetensors raises its own error type for malformed data
        raise CheckpointError(f"invalid AeVP model file: {exc}") from exc
    if not isinstance(metrics, dict) or not isinstance(history, dict):
        raise CheckpointError("invalid AeVP model file: metrics and history must be JSON objects")
    check_params(spec, params)
    return spec, params, metrics, history
