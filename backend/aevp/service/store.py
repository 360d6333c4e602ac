"""The models on disk: the shipped pretrained ones and the user's own, listed, read, saved and deleted.

One `ModelStore` per app. It reads metadata only (the spec, metrics and dates of each checkpoint folder);
loading weights for inference is `aevp.service.loaded`'s job. Methods are synchronous and thread-safe;
routes run them on an executor. JAX stays behind `aevp.ml`, imported on first use.

Every folder's metadata is validated (`aevp.ml.meta`); a folder that fails (no weights, a truncated weights
file, a metric that is a string...) is listed as unavailable with the reason, never hides the others, cannot
be explored (409) and can be deleted. Folders are re-read only when one of their files changed.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aevp.ml.checkpoint import CheckpointError
from aevp.ml.spec import VARIANT_PREFIX, ModelSpec
from aevp.service import encode
from aevp.service.datasource import TITLES
from aevp.service.faults import InvalidField, ModelNotFound, ModelReadOnly
from aevp.service.schemas import (
    VAE_EPOCH_FIELDS,
    EpochMetrics,
    ModelDetail,
    ModelSummary,
    TrainingHistory,
    UnavailableModel,
)
from aevp.service.specs import layer_rows

if TYPE_CHECKING:
    from aevp.ml.checkpoint import Checkpoint

log = logging.getLogger(__name__)


class ModelUnavailable(CheckpointError):  # 409, as every CheckpointError
    def __init__(self, model_id: str, problem: str) -> None:
        super().__init__(f"model {model_id!r} is unavailable: {problem}. Delete it, or repair its folder.")


def title_of(spec: ModelSpec) -> str:
    filters = "-".join(str(b.filters) for b in spec.blocks)
    dataset = TITLES.get(spec.dataset, spec.dataset)
    return f"{VARIANT_PREFIX[spec.variant]}-{filters}-L{spec.latent_dim} · {dataset}"


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
        return title_of(self.spec)

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


@dataclass(frozen=True)
class BrokenEntry:
    """A model folder that cannot be used: listed with the reason, and deletable."""

    id: str
    title: str
    problem: str
    created: datetime
    path: Path
    pretrained: bool

    def summary(self) -> UnavailableModel:
        return UnavailableModel(
            id=self.id, title=self.title, problem=self.problem, pretrained=self.pretrained, created=self.created
        )


def _float_metrics(metrics: dict[str, Any]) -> dict[str, float | None]:
    """Validated metrics (bounded numbers or null) as the wire's floats."""
    return {key: None if value is None else float(value) for key, value in metrics.items()}


def history_of(history: dict[str, Any] | None) -> TrainingHistory:
    """A checkpoint's validated history ({"losses": [...], "epochs": [{...}]}) as the wire model."""
    history = history or {}
    losses = encode.finite_list(np.asarray(history.get("losses", []), dtype=np.float64))
    epochs = []
    for row in history.get("epochs", []):
        values = {k: row.get(k) for k in ("train_loss", "test_loss", "psnr", "ssim", *VAE_EPOCH_FIELDS)}
        floats = {k: None if v is None else float(v) for k, v in values.items()}
        epochs.append(EpochMetrics(epoch=row["epoch"], **floats))
    return TrainingHistory(losses=losses, epochs=epochs)


def load_checkpoint(path: Path) -> Checkpoint:
    """checkpoint.load, with every way a folder can be broken (a truncated weights file raises the
    safetensors library's own error type) reported as a CheckpointError naming the folder."""
    from aevp.ml.checkpoint import load

    try:
        return load(path)
    except CheckpointError:
        raise
    except Exception as e:
        raise CheckpointError(f"model folder {path.name}: unreadable ({e})") from e


def _inspect(model_id: str, path: Path, pretrained: bool) -> ModelEntry | BrokenEntry:
    """One folder as a usable entry, or a broken one with the reason (its spec's title when that much is readable)."""
    from aevp.ml import checkpoint, meta

    try:
        info = checkpoint.inspect(path)
        checkpoint.check_weights_file(path)
    except CheckpointError as e:
        title = model_id
        try:
            title = title_of(meta.parse_spec((path / "spec.json").read_bytes()[: meta.MAX_SPEC_CHARS + 1]))
        except (OSError, meta.MetadataError):
            pass
        try:
            created = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError:
            created = datetime.fromtimestamp(0, UTC)
        problem = str(e).removeprefix(f"model folder {model_id}: ")
        return BrokenEntry(model_id, title, problem, created, path, pretrained)
    created = datetime.fromtimestamp(info.created, UTC)
    return ModelEntry(model_id, info.spec, dict(info.metrics), created, path, pretrained)


class ModelStore:
    def __init__(self, models_dir: Path, pretrained_dir: Path, rescan_interval_s: float = 2.0) -> None:
        self.models_dir = models_dir
        self.pretrained_dir = pretrained_dir
        # An unknown id rescans the folders at most this often (ids are cheap to make up; scans are not).
        self.rescan_interval_s = rescan_interval_s
        self.scans = 0  # how many scans ran (tests count them)
        self._lock = threading.Lock()  # guards the dicts below
        self._scan_lock = threading.Lock()  # one scan at a time
        self._last_scan = -float("inf")
        self._entries: dict[str, ModelEntry] = {}
        self._broken: dict[str, BrokenEntry] = {}
        # Each folder's stamp (its files' dates and sizes) and what it was read as: unchanged folders are not re-read.
        self._seen: dict[Path, tuple[Any, ModelEntry | BrokenEntry]] = {}

    # --- listing ---------------------------------------------------------------------------------

    def scan(self) -> list[ModelEntry]:
        """Re-read both folders (metadata only, and only of folders that changed); the user's models shadow a
        pretrained id. Returns the usable models."""
        with self._scan_lock:
            self._scan()
        return self.entries()

    def _scan(self) -> None:
        from aevp.ml import checkpoint

        self.scans += 1
        self._last_scan = time.monotonic()
        found: dict[str, ModelEntry | BrokenEntry] = {}
        seen: dict[Path, tuple[Any, ModelEntry | BrokenEntry]] = {}
        for root, pretrained in ((self.pretrained_dir, True), (self.models_dir, False)):
            try:
                folders = checkpoint.model_folders(root)
            except OSError as e:  # an unreadable folder of models hides only itself
                log.error("could not list models in %s: %s", root, e)
                continue
            for path in folders:
                stamp = checkpoint.stamp(path)
                known = self._seen.get(path)
                item = known[1] if known and known[0] == stamp else _inspect(path.name, path, pretrained)
                if isinstance(item, BrokenEntry) and (not known or known[1] != item):
                    log.warning("model %s is unavailable: %s", item.id, item.problem)
                seen[path] = (stamp, item)
                found[path.name] = item
        with self._lock:
            self._seen = seen
            self._entries = {k: v for k, v in found.items() if isinstance(v, ModelEntry)}
            self._broken = {k: v for k, v in found.items() if isinstance(v, BrokenEntry)}

    def listing(self) -> list[ModelSummary | UnavailableModel]:
        """A fresh scan's every model, usable or not, pretrained first, then newest first."""
        self.scan()
        with self._lock:
            items: list[ModelEntry | BrokenEntry] = [*self._entries.values(), *self._broken.values()]
        items.sort(key=lambda e: (not e.pretrained, -e.created.timestamp(), e.id))
        return [e.summary() for e in items]

    def entries(self) -> list[ModelEntry]:
        """The usable models, pretrained first, then newest first."""
        with self._lock:
            return sorted(self._entries.values(), key=lambda e: (not e.pretrained, -e.created.timestamp(), e.id))

    def count(self) -> int:
        with self._lock:
            return len(self._entries)

    def listed(self, model_id: str) -> bool:
        """Whether the last scan found the model usable (no rescan): caches keep results only for listed models."""
        with self._lock:
            return model_id in self._entries

    def _find(self, model_id: str) -> ModelEntry | BrokenEntry:
        """The entry, usable or not; an id not seen yet rescans the folders, at most once per rescan_interval_s."""
        from aevp.ml.checkpoint import is_valid_id

        if not is_valid_id(model_id):
            raise ModelNotFound(model_id)
        for attempt in range(2):
            with self._lock:
                item = self._entries.get(model_id) or self._broken.get(model_id)
            if item is not None:
                return item
            if attempt == 0:  # saved by another process (`aevp train`) since the last scan?
                with self._scan_lock:  # a scan under way may find it: wait for it, then decide
                    with self._lock:
                        known = model_id in self._entries or model_id in self._broken
                    if not known and time.monotonic() - self._last_scan >= self.rescan_interval_s:
                        self._scan()
        raise ModelNotFound(model_id)

    def get(self, model_id: str) -> ModelEntry:
        """A usable model; ModelNotFound (404) or ModelUnavailable (409) otherwise."""
        item = self._find(model_id)
        if isinstance(item, BrokenEntry):
            raise ModelUnavailable(model_id, item.problem)
        return item

    def load(self, model_id: str) -> Checkpoint:
        """The model's checkpoint; a folder that fails to load is listed as unavailable from now on."""
        entry = self.get(model_id)
        try:
            return load_checkpoint(entry.path)
        except CheckpointError as e:
            self._mark_broken(entry, str(e))
            raise

    def _mark_broken(self, entry: ModelEntry, problem: str) -> None:
        from aevp.ml import checkpoint

        problem = problem.removeprefix(f"model folder {entry.id}: ")
        broken = BrokenEntry(entry.id, entry.title, problem, entry.created, entry.path, entry.pretrained)
        stamp = checkpoint.stamp(entry.path)
        with self._lock:
            if self._entries.get(entry.id) is entry:
                del self._entries[entry.id]
                self._broken[entry.id] = broken
                self._seen[entry.path] = (stamp, broken)
        log.warning("model %s is unavailable: %s", entry.id, problem)

    def detail(self, model_id: str) -> ModelDetail:
        entry = self.get(model_id)
        ckpt = self.load(model_id)
        return ModelDetail(
            **entry.summary().model_dump(), layers=layer_rows(entry.spec), history=history_of(ckpt.history)
        )

    def bundle(self, model_id: str) -> bytes:
        """The model as one safetensors file (weights, with spec, metrics and history in its metadata)."""
        from aevp.ml.checkpoint import to_bundle

        return to_bundle(self.load(model_id))

    def decoder(self, model_id: str) -> bytes:
        """The model's decoder as a safetensors file (`checkpoint.decoder_file`)."""
        from aevp.ml.checkpoint import decoder_file

        ckpt = self.load(model_id)
        return decoder_file(ckpt.spec, ckpt.params)

    # --- changes ---------------------------------------------------------------------------------

    def tidy(self, min_age_s: float, maps_dir: Path | None) -> None:
        """At start-up: finish a replace a crash interrupted, then delete `.tmp-*` leftovers older than `min_age_s`
        in the models folder and the maps folder (the pretrained folder is read-only)."""
        from aevp.ml import folders
        from aevp.service.map_cache import MapCache

        try:
            folders.recover(self.models_dir, min_age_s)
            folders.remove_leftovers(self.models_dir, min_age_s)
            MapCache(maps_dir).remove_leftovers(min_age_s)
        except OSError as e:  # a read-only or missing folder: nothing to tidy, nothing to stop for
            log.warning("could not tidy the models and maps folders: %s", e)

    def save(
        self,
        spec: ModelSpec,
        params: dict[str, np.ndarray],
        metrics: dict[str, Any],
        history: dict[str, Any] | None,
        timeline: Any = None,
    ) -> ModelEntry:
        """Checkpoint a trained or uploaded model into the user's folder; it is listed from now on. `timeline`: an
        aevp.ml.timeline.Timeline or a timeline file's bytes."""
        from aevp.ml import timeline_file
        from aevp.ml.checkpoint import save

        if timeline is not None and not isinstance(timeline, bytes):
            timeline = timeline_file.dump(timeline)
        model_id = save(self.models_dir, spec, params, metrics, history, timeline=timeline)
        self.scan()
        return self.get(model_id)

    def upload(self, data: bytes) -> ModelEntry:
        """Validate a file from `bundle` (nothing is unpickled) and save it as a new model of the user's."""
        from aevp.ml.checkpoint import InvalidMetadata, bundle_timeline, from_bundle

        try:
            spec, params, metrics, history = from_bundle(data)
            timeline = bundle_timeline(data, spec)
        except InvalidMetadata as e:  # named by its field: ["body", "file", "metrics", "psnr"]
            loc = [int(p) if p.isdigit() else p for p in e.field.split(".")]
            raise InvalidField(["body", "file", *loc], f"not a valid model file: {e}") from None
        except CheckpointError as e:
            raise InvalidField(["body", "file"], f"not a valid model file: {e}") from None
        return self.save(spec, params, metrics, history, timeline)

    def delete(self, model_id: str) -> None:
        """Delete one of the user's models from disk, usable or not; pretrained ones are read-only."""
        from aevp.ml.checkpoint import delete

        item = self._find(model_id)
        if item.pretrained:
            raise ModelReadOnly(model_id)
        with self._lock:
            self._entries.pop(model_id, None)
            self._broken.pop(model_id, None)
        delete(self.models_dir, model_id)
