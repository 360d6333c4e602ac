"""The models on disk: the shipped pretrained ones and the user's own, listed, read, saved and deleted.

One `ModelStore` per app. It reads metadata only (the spec, metrics and dates of each checkpoint folder);
loading weights for inference is `aevp.service.loaded`'s job. Methods are synchronous and thread-safe;
routes run them on the background executor. JAX stays behind `aevp.ml`, imported on first use.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aevp.ml.spec import VARIANT_PREFIX, ModelSpec
from aevp.service import encode
from aevp.service.datasource import TITLES
from aevp.service.faults import InvalidField, ModelNotFound, ModelReadOnly
from aevp.service.schemas import VAE_EPOCH_FIELDS, EpochMetrics, ModelDetail, ModelSummary, TrainingHistory
from aevp.service.specs import layer_rows

if TYPE_CHECKING:
    from aevp.ml.checkpoint import Checkpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelEntry:
    id: str
    spec: ModelSpec
    metrics: dict[str, Any]
    created: datetime
    path: Path
    pretrained: bool

    @property
    def title(self) -> str:
        filters = "-".join(str(b.filters) for b in self.spec.blocks)
        dataset = TITLES.get(self.spec.dataset, self.spec.dataset)
        return f"{VARIANT_PREFIX[self.spec.variant]}-{filters}-L{self.spec.latent_dim} · {dataset}"

    def summary(self) -> ModelSummary:
        return ModelSummary(
            id=self.id,
            title=self.title,
            dataset=self.spec.dataset,
            spec=self.spec,
            params=self.spec.param_count,
            metrics=_float_metrics(self.metrics),
            pretrained=self.pretrained,
            created=self.created,
        )


def _float_metrics(metrics: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key, value in metrics.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = float(value) if np.isfinite(value) else None
    return out


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    try:
        return _as_datetime(datetime.fromisoformat(str(value)))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)


def history_of(history: dict[str, Any] | None) -> TrainingHistory:
    """A checkpoint's history dict ({"losses": [...], "epochs": [{...}]}) as the wire model."""
    history = history or {}
    losses = encode.finite_list(np.asarray(history.get("losses", []), dtype=np.float64))
    epochs = []
    for row in history.get("epochs", []):
        values = {k: row.get(k) for k in ("train_loss", "test_loss", "psnr", "ssim", *VAE_EPOCH_FIELDS)}
        clean = {k: (float(v) if isinstance(v, int | float) and np.isfinite(v) else None) for k, v in values.items()}
        epochs.append(EpochMetrics(epoch=int(row.get("epoch", len(epochs) + 1)), **clean))
    return TrainingHistory(losses=losses, epochs=epochs)


def load_checkpoint(path: Path) -> Checkpoint:
    """checkpoint.load, with every way a folder can be broken (a truncated weights file raises the
    safetensors library's own error type) reported as a CheckpointError naming the folder."""
    from aevp.ml.checkpoint import CheckpointError, load

    try:
        return load(path)
    except CheckpointError:
        raise
    except Exception as e:
        raise CheckpointError(f"model folder {path.name} is unreadable: {e}") from e


class ModelStore:
    def __init__(self, models_dir: Path, pretrained_dir: Path) -> None:
        self.models_dir = models_dir
        self.pretrained_dir = pretrained_dir
        self._lock = threading.Lock()
        self._entries: dict[str, ModelEntry] = {}

    # --- listing ---------------------------------------------------------------------------------

    def scan(self) -> list[ModelEntry]:
        """Re-read both folders (cheap: metadata only); the user's models shadow a pretrained id."""
        from aevp.ml.checkpoint import list_checkpoints

        found: dict[str, ModelEntry] = {}
        for root, pretrained in ((self.pretrained_dir, True), (self.models_dir, False)):
            if not root.is_dir():
                continue
            try:
                infos = list_checkpoints(root)
            except Exception:  # one unreadable folder must not hide the others
                log.exception("could not list models in %s", root)
                continue
            for info in infos:
                found[info.id] = ModelEntry(
                    id=info.id,
                    spec=info.spec,
                    metrics=dict(info.metrics or {}),
                    created=_as_datetime(info.created),
                    path=Path(info.path),
                    pretrained=pretrained,
                )
        with self._lock:
            self._entries = found
        return self.entries()

    def entries(self) -> list[ModelEntry]:
        with self._lock:
            return sorted(self._entries.values(), key=lambda e: (not e.pretrained, -e.created.timestamp(), e.id))

    def count(self) -> int:
        with self._lock:
            return len(self._entries)

    def listed(self, model_id: str) -> bool:
        """Whether the last scan found the model (no rescan): caches keep results only for listed models."""
        with self._lock:
            return model_id in self._entries

    def get(self, model_id: str) -> ModelEntry:
        from aevp.ml.checkpoint import is_valid_id

        if not is_valid_id(model_id):
            raise ModelNotFound(model_id)
        with self._lock:
            entry = self._entries.get(model_id)
        if entry is None:  # saved by another process (`aevp train`) since the last scan?
            self.scan()
            with self._lock:
                entry = self._entries.get(model_id)
        if entry is None:
            raise ModelNotFound(model_id)
        return entry

    def detail(self, model_id: str) -> ModelDetail:
        entry = self.get(model_id)
        ckpt = load_checkpoint(entry.path)
        return ModelDetail(
            **entry.summary().model_dump(), layers=layer_rows(entry.spec), history=history_of(ckpt.history)
        )

    def bundle(self, model_id: str) -> bytes:
        """The model as one safetensors file (weights, with spec, metrics and history in its metadata)."""
        from aevp.ml.checkpoint import to_bundle

        return to_bundle(load_checkpoint(self.get(model_id).path))

    # --- changes ---------------------------------------------------------------------------------

    def save(
        self,
        spec: ModelSpec,
        params: dict[str, np.ndarray],
        metrics: dict[str, Any],
        history: dict[str, Any] | None,
    ) -> ModelEntry:
        """Checkpoint a trained or uploaded model into the user's folder; it is listed from now on."""
        from aevp.ml.checkpoint import save

        model_id = save(self.models_dir, spec, params, metrics, history)
        self.scan()
        return self.get(model_id)

    def upload(self, data: bytes) -> ModelEntry:
        """Validate a file from `bundle` (nothing is unpickled) and save it as a new model of the user's."""
        from aevp.ml.checkpoint import CheckpointError, from_bundle

        try:
            spec, params, metrics, history = from_bundle(data)
        except CheckpointError as e:
            raise InvalidField(["body", "file"], f"not a valid model file: {e}") from None
        return self.save(spec, params, metrics, history)

    def delete(self, model_id: str) -> None:
        """Delete one of the user's models from disk; pretrained ones are read-only."""
        from aevp.ml.checkpoint import delete

        entry = self.get(model_id)
        if entry.pretrained:
            raise ModelReadOnly(model_id)
        with self._lock:
            self._entries.pop(model_id, None)
        delete(self.models_dir, model_id)
