"""The models the service knows: shipped pretrained ones and the user's own, with their loaded weights.

One `ModelRegistry` per app owns the on-disk listing, the loaded `Inference` objects (compiled functions
are cached per architecture inside `aevp.ml`) and the latent statistics, each computed once. Its methods
are synchronous and thread-safe; the routes run them on the registry's executors, never on the event loop.
JAX stays behind `aevp.ml`, imported on first use so that generating the OpenAPI schema stays light.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from aevp.ml.spec import VARIANT_PREFIX, ModelSpec
from aevp.service import encode
from aevp.service.datasource import TITLES, DataSource
from aevp.service.maps import LatentMaps
from aevp.service.schemas import (
    VAE_EPOCH_FIELDS,
    Corruption,
    DecodeResult,
    DimStats,
    EpochMetrics,
    ExploreResult,
    LatentStats,
    LayerRow,
    ModelDetail,
    ModelSummary,
    Projection,
    TrainingHistory,
)

if TYPE_CHECKING:
    from aevp.ml.checkpoint import Checkpoint
    from aevp.ml.inference import Inference

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_LOADED_MODELS = 32  # weights are small (under 20 MB at the spec's size limit); compiled code is shared
PERCENTILES = (1, 5, 25, 50, 75, 95, 99)


class ModelNotFound(LookupError):
    def __init__(self, model_id: str) -> None:
        super().__init__(f"no model with id {model_id!r}")


class ModelReadOnly(PermissionError):
    def __init__(self, model_id: str) -> None:
        super().__init__(f"model {model_id!r} is pretrained and cannot be deleted")


class LatentSizeMismatch(ValueError):
    pass


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


def _load(path: Path) -> Checkpoint:
    """checkpoint.load, with every way a folder can be broken (a truncated weights file raises the
    safetensors library's own error type) reported as a CheckpointError naming the folder."""
    from aevp.ml.checkpoint import CheckpointError, load

    try:
        return load(path)
    except CheckpointError:
        raise
    except Exception as e:
        raise CheckpointError(f"model folder {path.name} is unreadable: {e}") from e


class ModelRegistry:
    def __init__(
        self, models_dir: Path, pretrained_dir: Path, data: DataSource, maps_dir: Path | None = None
    ) -> None:
        self.models_dir = models_dir
        self.pretrained_dir = pretrained_dir
        self._data = data
        self._lock = threading.RLock()
        self._entries: dict[str, ModelEntry] = {}
        self._loaded: OrderedDict[str, Inference] = OrderedDict()
        self._stats: dict[str, LatentStats] = {}
        self._projections: dict[tuple[str, str], Projection] = {}
        self._latents: OrderedDict[str, np.ndarray] = OrderedDict()  # the test set's, per loaded model
        self._stats_locks: dict[str, threading.Lock] = {}
        # Explore and decode take about a millisecond; latent statistics and loading take longer and
        # must not queue in front of them.
        self.interactive = ThreadPoolExecutor(max_workers=2, thread_name_prefix="aevp-explore")
        self.background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aevp-models")
        self.maps = LatentMaps(self, data, maps_dir)  # t-SNE, UMAP and latent-plane maps; placing latents

    async def run(self, fn: Callable[..., T], *args: Any, interactive: bool = True) -> T:
        """Run `fn(*args)` on the interactive (explore, decode) or the background executor."""
        executor = self.interactive if interactive else self.background
        return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)

    def close(self) -> None:
        self.maps.close()
        self.interactive.shutdown(wait=False, cancel_futures=True)
        self.background.shutdown(wait=False, cancel_futures=True)

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
            for gone in set(self._loaded) - set(found):
                del self._loaded[gone]
            return self.entries()

    def entries(self) -> list[ModelEntry]:
        with self._lock:
            return sorted(self._entries.values(), key=lambda e: (not e.pretrained, -e.created.timestamp(), e.id))

    def count(self) -> int:
        with self._lock:
            return len(self._entries)

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
        ckpt = _load(entry.path)
        summary = entry.summary().model_dump()
        return ModelDetail(
            **summary,
            layers=[LayerRow.of(layer) for layer in entry.spec.layers()],
            history=history_of(ckpt.history),
        )

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

    def delete(self, model_id: str) -> None:
        from aevp.ml.checkpoint import delete

        entry = self.get(model_id)
        if entry.pretrained:
            raise ModelReadOnly(model_id)
        with self._lock:
            self._loaded.pop(model_id, None)
            self._stats.pop(model_id, None)
            self._latents.pop(model_id, None)
            for key in [k for k in self._projections if k[0] == model_id]:
                del self._projections[key]
            self._entries.pop(model_id, None)
        self.maps.forget(model_id, files=True)
        delete(self.models_dir, model_id)

    def bundle(self, model_id: str) -> bytes:
        from aevp.ml.checkpoint import to_bundle

        return to_bundle(_load(self.get(model_id).path))

    # --- inference -------------------------------------------------------------------------------

    def inference(self, model_id: str) -> Inference:
        with self._lock:
            inf = self._loaded.get(model_id)
            if inf is not None:
                self._loaded.move_to_end(model_id)
                return inf
        entry = self.get(model_id)
        from aevp.ml.inference import Inference

        ckpt = _load(entry.path)
        inf = Inference(ckpt.spec, ckpt.params)
        with self._lock:
            inf = self._loaded.setdefault(model_id, inf)
            while len(self._loaded) > MAX_LOADED_MODELS:
                self._loaded.popitem(last=False)
        return inf

    def warm(self, model_id: str) -> None:
        from aevp.ml.metrics import ssim_one

        self.inference(model_id).warm()
        ssim_one(np.zeros((28, 28), np.float32), np.zeros((28, 28), np.float32))  # compile the explore metric

    def warm_all(self) -> None:
        for entry in self.scan():
            try:
                self.warm(entry.id)
            except Exception:  # a broken checkpoint is logged and skipped, never fatal
                log.exception("could not load model %s", entry.id)

    def warm_latent_stats(self) -> None:
        """Latent statistics and PCA maps of the pretrained models whose dataset is cached."""
        for entry in self.entries():
            if entry.pretrained:
                try:
                    self.latent_stats(entry.id)
                    self.projection(entry.id)
                except Exception as exc:  # e.g. the dataset is not fetched: computed on first request
                    log.info("latent statistics of %s not precomputed: %s", entry.id, exc)

    def explore(
        self, model_id: str, image: np.ndarray, corruption: Corruption | None = None, **extra: Any
    ) -> dict[str, Any]:
        """All activations, latent and reconstruction for one (28, 28) image in 0..1, as wire fields; with a
        corruption, the encoder sees the corrupted image and the metrics compare with the clean one."""
        from aevp.ml.metrics import ssim_one

        inf = self.inference(model_id)
        seen = image
        if corruption is not None:
            seen = inf.corrupt(image[None], corruption.kind, corruption.level, corruption.seed)[0]
            extra["corrupted"] = encode.finite_list(seen)
        out = inf.explore(seen[None])
        ssim = ssim_one(out.reconstruction[0], image)
        return encode.explore_result(
            self.get(model_id).spec.layers(), image, out.latent, out.reconstruction, out.activations,
            ssim=ssim, **extra
        )

    def explore_model(
        self, model_id: str, image: np.ndarray, corruption: Corruption | None = None, maps: list[str] | None = None
    ) -> ExploreResult:
        fields = self.explore(model_id, image, corruption)
        if maps:
            fields["map_positions"] = self.maps.positions(model_id, fields["latent"], maps)
        return ExploreResult.model_construct(**fields)

    def decode(self, model_id: str, latent: Sequence[float], **extra: Any) -> dict[str, Any]:
        """The reconstruction of one latent vector and every decoder layer's activations, as wire fields."""
        entry = self.get(model_id)
        if len(latent) != entry.spec.latent_dim:
            raise LatentSizeMismatch(
                f"latent has {len(latent)} values; model {model_id!r} has {entry.spec.latent_dim} latent dimensions"
            )
        recon, acts = self.inference(model_id).decode_explore(np.asarray(latent, dtype=np.float32)[None])
        return encode.decode_result(entry.spec.layers(), recon, acts, **extra)

    def decode_model(self, model_id: str, latent: Sequence[float], maps: list[str] | None = None) -> DecodeResult:
        fields = self.decode(model_id, latent)
        if maps:
            fields["map_positions"] = self.maps.positions(model_id, list(latent), maps)
        return DecodeResult.model_construct(**fields)

    def test_latents(self, model_id: str) -> np.ndarray:
        """(N, D) float32 latents of the model's test set: encoded once (about 0.7 s for 10,000 images on
        2 cores) and shared by the latent statistics and the latent maps."""
        entry = self.get(model_id)
        with self._lock:
            lock = self._stats_locks.setdefault(f"{model_id}/latents", threading.Lock())
        with lock:
            with self._lock:
                cached = self._latents.get(model_id)
            if cached is not None:
                return cached
            images = self._data.load(entry.spec.dataset).test_images
            z = np.asarray(self.inference(model_id).encode(images.astype(np.float32) / 255.0), np.float32)
            with self._lock:
                if model_id in self._entries:
                    self._latents[model_id] = z
                    while len(self._latents) > MAX_LOADED_MODELS:
                        self._latents.popitem(last=False)
            return z

    def latent_stats(self, model_id: str) -> LatentStats:
        """Percentiles of each latent dimension over the test set; computed once per model."""
        self.get(model_id)  # 404 before taking a lock
        with self._lock:
            lock = self._stats_locks.setdefault(model_id, threading.Lock())
        with lock:  # two requests at once compute it once
            cached = self._stats.get(model_id)
            if cached is not None:
                return cached
            z = np.asarray(self.test_latents(model_id), dtype=np.float64)
            z = np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)
            pct = np.percentile(z, PERCENTILES, axis=0)
            mean, std = z.mean(axis=0), z.std(axis=0)
            dims = [
                DimStats(
                    **{f"p{p}": float(pct[i, d]) for i, p in enumerate(PERCENTILES)},
                    mean=float(mean[d]),
                    std=float(std[d]),
                )
                for d in range(z.shape[1])
            ]
            stats = LatentStats(count=int(z.shape[0]), dims=dims)
            with self._lock:
                if model_id in self._entries:
                    self._stats[model_id] = stats
            return stats

    def projection(self, model_id: str, method: str = "pca") -> Projection:
        """The test set's latents on a 2-D map (PCA), with what it takes to place a new latent on it;
        computed once per model. With the test latents already encoded (at warm-up, for the latent
        statistics) it takes ~0.1 s; otherwise encoding 10,000 images dominates."""
        import time

        from aevp.ml.project import fit_pca

        entry = self.get(model_id)
        with self._lock:
            lock = self._stats_locks.setdefault(f"{model_id}/projection", threading.Lock())
        with lock:
            cached = self._projections.get((model_id, method))
            if cached is not None:
                return cached
            t0 = time.perf_counter()
            data = self._data.load(entry.spec.dataset)
            z = self.test_latents(model_id)
            pca = fit_pca(z)
            points = np.round(pca.transform(z), 4)
            projection = Projection(
                method="pca",
                count=int(points.shape[0]),
                points=np.nan_to_num(points).tolist(),
                labels=np.asarray(data.test_labels).astype(int).tolist(),
                explained_variance=pca.explained_variance_ratio.tolist(),
                mean=pca.mean.tolist(),
                components=pca.components.tolist(),
                seconds=round(time.perf_counter() - t0, 4),
            )
            with self._lock:
                if model_id in self._entries:
                    self._projections[(model_id, method)] = projection
            return projection
