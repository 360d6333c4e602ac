"""Latent maps of a model's test set beyond PCA: t-SNE and UMAP computed in the background, the latent
plane of a 2-D model, and placing a new latent on any of them as the user draws.

One `LatentMaps` per registry. A t-SNE or UMAP map takes 10-60 s, so it runs on its own daemon thread
(never the interactive executor, never the event loop; one map at a time on 2 cores), one computation
per (model, method); requests in the meantime get its status. A finished map is kept in memory and on disk
(`AEVP_MAPS_DIR`, written to a temporary file and renamed), under a key that hashes the model's spec and
weights, the test set's labels and the algorithm's settings: a restarted server reuses it, and a deleted
or re-uploaded model never gets another model's map. Placing a latent (`positions`) reads memory only
(~0.2 ms: `aevp.ml.embed.KnnPlacer`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from aevp.ml.embed import Cancelled, KnnPlacer
from aevp.service.schemas import MapStatus, Projection

if TYPE_CHECKING:
    from aevp.service.datasource import DataSource
    from aevp.service.registry import ModelRegistry

log = logging.getLogger(__name__)

SLOW_METHODS = ("tsne", "umap")
# Part of every cache key: change it when the fits' settings change, so old maps are not reused.
ALGORITHM = "embed-v1 tsne(perplexity=30, 250+500 iters, seed 0) umap(15 neighbours, min_dist 0.1, 200 epochs, seed 0)"


class MapUnavailable(ValueError):
    """A map this model cannot have (the latent plane of a model whose latent is not 2-D)."""


def stream_path(model_id: str, method: str) -> str:
    return f"/ws/models/{model_id}/projection?method={method}"


@dataclass
class _Job:
    model_id: str
    method: str
    key: str
    state: str = "queued"
    stage: str = "queued"
    fraction: float = 0.0
    error: str | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def status(self) -> MapStatus:
        return MapStatus(
            model_id=self.model_id,
            method=self.method,  # type: ignore[arg-type]
            state=self.state,  # type: ignore[arg-type]
            stage=self.stage,
            fraction=round(self.fraction, 4),
            error=self.error,
            stream=stream_path(self.model_id, self.method),
        )


@dataclass(frozen=True)
class _Ready:
    projection: Projection
    placer: KnnPlacer


def _projection(method: str, points: np.ndarray, labels: np.ndarray, seconds: float, **axes: list) -> Projection:
    """The wire form of a map; `axes` (explained_variance, mean, components) only where they mean something."""
    return Projection(
        **{
            "method": method,
            "count": int(points.shape[0]),
            "points": np.round(np.nan_to_num(points.astype(np.float64)), 4).tolist(),
            "labels": np.asarray(labels).astype(int).tolist(),
            "explained_variance": [],
            "mean": [],
            "components": [],
            "seconds": round(float(seconds), 4),
            **axes,
        }
    )


class LatentMaps:
    def __init__(self, registry: ModelRegistry, data: DataSource, cache_dir: Path | None) -> None:
        self.registry = registry
        self.data = data
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._ready: dict[tuple[str, str], _Ready] = {}
        self._jobs: dict[tuple[str, str], _Job] = {}
        # One daemon thread, not an executor: a server that stops must not wait at exit for a fit that
        # cannot be interrupted (UMAP before its first epoch); computations queue behind each other.
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    # --- the map ---------------------------------------------------------------------------------

    def get(self, model_id: str, method: str) -> Projection | MapStatus:
        """The map if it is ready (memory, else disk), else the status of its computation, which this
        starts if it is not running. Blocking (reads the model's files): call it off the event loop."""
        if method == "pca":
            return self.registry.projection(model_id)
        if method == "latent":
            return self.latent_plane(model_id)
        if method not in SLOW_METHODS:
            raise MapUnavailable(f"unknown map method {method!r}; expected pca, tsne, umap or latent")
        entry = self.registry.get(model_id)
        with self._lock:
            ready = self._ready.get((model_id, method))
            job = self._jobs.get((model_id, method))
        if ready is not None:
            return ready.projection
        if job is not None and job.state in ("queued", "running"):
            return job.status()
        labels = self.data.load(entry.spec.dataset).test_labels  # DataUnavailable (409) before starting
        key = self._key(model_id, method, entry.path, labels)
        loaded = self._load(model_id, method, key, entry.spec.latent_dim, len(labels))
        if loaded is not None:
            return loaded.projection
        with self._lock:
            job = self._jobs.get((model_id, method))
            if job is None or job.state not in ("queued", "running"):
                job = self._jobs[(model_id, method)] = _Job(model_id, method, key)
                self._queue.put(job)
                if self._worker is None:
                    self._worker = threading.Thread(target=self._work, name="aevp-maps", daemon=True)
                    self._worker.start()
            return job.status()

    def status(self, model_id: str, method: str) -> Projection | MapStatus | None:
        """Memory only, cheap (the progress stream polls it): the map, its computation's status, or None."""
        with self._lock:
            ready = self._ready.get((model_id, method))
            job = self._jobs.get((model_id, method))
        if ready is not None:
            return ready.projection
        return job.status() if job is not None else None

    def latent_plane(self, model_id: str) -> Projection:
        """A model with a 2-D latent is its own map: the test set's latents as they are."""
        entry = self.registry.get(model_id)
        if entry.spec.latent_dim != 2:
            raise MapUnavailable(
                f"method 'latent' needs a model with a 2-D latent; {model_id!r} has {entry.spec.latent_dim}"
            )
        t0 = time.perf_counter()
        labels = self.data.load(entry.spec.dataset).test_labels
        z = np.asarray(self.registry.test_latents(model_id), np.float64)
        var = np.nan_to_num(z).var(axis=0)
        share = (var / var.sum() if var.sum() > 0 else var).tolist()
        identity = {"mean": [0.0, 0.0], "components": [[1.0, 0.0], [0.0, 1.0]]}  # browsers place it as PCA
        return _projection("latent", z, labels, time.perf_counter() - t0, explained_variance=share, **identity)

    # --- placing a latent ------------------------------------------------------------------------

    def positions(self, model_id: str, latent: list[float | None], maps: list[str]) -> dict[str, list[float]]:
        """[x, y] on each of `maps` that is ready (t-SNE, UMAP) or always there (the latent plane)."""
        z = np.nan_to_num(np.asarray([np.nan if v is None else v for v in latent], np.float32))
        out: dict[str, list[float]] = {}
        for method in dict.fromkeys(maps):
            if method == "latent":
                dim = self.registry.get(model_id).spec.latent_dim
                if dim != 2:
                    raise MapUnavailable(f"map 'latent' needs a model with a 2-D latent; {model_id!r} has {dim}")
                out[method] = [round(float(z[0]), 4), round(float(z[1]), 4)]
                continue
            with self._lock:
                ready = self._ready.get((model_id, method))
            if ready is not None:
                out[method] = np.round(ready.placer.place(z), 4).tolist()
        return out

    # --- computing -------------------------------------------------------------------------------

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            self._compute(job)

    def _compute(self, job: _Job) -> None:
        from aevp.ml.embed import fit_tsne, fit_umap

        def report(stage: str, fraction: float) -> None:
            job.stage, job.fraction = stage, fraction

        try:
            if job.stop.is_set():
                raise Cancelled("cancelled")
            job.state, job.stage = "running", "encoding"
            t0 = time.perf_counter()
            entry = self.registry.get(job.model_id)
            labels = self.data.load(entry.spec.dataset).test_labels
            z = np.asarray(self.registry.test_latents(job.model_id), np.float32)
            fit = fit_tsne if job.method == "tsne" else fit_umap
            points = fit(z, seed=0, progress=report, should_stop=job.stop.is_set)
            ready = _Ready(_projection(job.method, points, labels, time.perf_counter() - t0), KnnPlacer.of(z, points))
            with self._lock:
                if job.stop.is_set():
                    raise Cancelled("cancelled")
                self._ready[(job.model_id, job.method)] = ready
                job.state, job.stage, job.fraction = "ready", "done", 1.0
            self._save(job, points, z, labels, ready.projection.seconds)
        except Cancelled:
            job.state, job.stage, job.error = "failed", "failed", "cancelled"
        except Exception as e:  # reported to whoever waits for it; a later request tries again
            log.exception("%s map of %s failed", job.method, job.model_id)
            job.state, job.stage, job.error = "failed", "failed", f"{type(e).__name__}: {e}"

    # --- the disk cache --------------------------------------------------------------------------

    def _key(self, model_id: str, method: str, folder: Path, labels: np.ndarray) -> str:
        h = hashlib.sha256(f"{ALGORITHM}\n{method}\n".encode())
        for name in ("spec.json", "weights.safetensors"):
            h.update((folder / name).read_bytes())
        h.update(np.ascontiguousarray(labels).tobytes())
        return h.hexdigest()[:24]

    def _path(self, model_id: str, method: str, key: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"{model_id}.{method}.{key}.npz"

    def _save(self, job: _Job, points: np.ndarray, z: np.ndarray, labels: np.ndarray, seconds: float) -> None:
        path = self._path(job.model_id, job.method, job.key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", suffix=".npz", delete=False) as f:
                np.savez(f, points=points, latents=z, labels=labels, seconds=np.float64(seconds))
                f.flush()
                os.fsync(f.fileno())
            os.replace(f.name, path)
        except OSError:  # a read-only or full disk costs a recomputation after a restart, nothing more
            log.exception("could not cache the %s map of %s", job.method, job.model_id)
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(f.name)

    def _load(self, model_id: str, method: str, key: str, latent_dim: int, count: int) -> _Ready | None:
        path = self._path(model_id, method, key)
        if path is None or not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as f:
                points, z, labels = f["points"], f["latents"], f["labels"]
                seconds = float(f["seconds"])
            if points.shape != (count, 2) or z.shape != (count, latent_dim) or labels.shape != (count,):
                raise ValueError(f"shapes {points.shape}, {z.shape}, {labels.shape} do not fit this model")
        except Exception as e:  # a damaged file is recomputed
            log.warning("ignoring the cached map %s: %s", path.name, e)
            return None
        ready = _Ready(_projection(method, points, labels, seconds), KnnPlacer.of(z, points))
        with self._lock:
            self._ready[(model_id, method)] = ready
        return ready

    # --- lifetime --------------------------------------------------------------------------------

    def forget(self, model_id: str, *, files: bool = False) -> None:
        """Drop a model's maps (it was deleted): memory, running computations and, with `files`, the cache."""
        with self._lock:
            for key in [k for k in self._ready if k[0] == model_id]:
                del self._ready[key]
            for key in [k for k in self._jobs if k[0] == model_id]:
                self._jobs.pop(key).stop.set()
        if files and self.cache_dir is not None and self.cache_dir.is_dir():
            for path in self.cache_dir.glob(f"{model_id}.*.npz"):
                with contextlib.suppress(OSError):
                    path.unlink()

    def close(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.stop.set()
        self._queue.put(None)
