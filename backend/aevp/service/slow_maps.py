"""t-SNE and UMAP maps of a model's test set, computed in the background, and placing a latent on them.

A t-SNE or UMAP map takes 10-60 s, so it runs on its own daemon thread (never the interactive executor,
never the event loop; one map at a time on 2 cores), one computation per (model, method); requests in
the meantime get its status. A finished map is kept in memory and on disk (`aevp.service.map_cache`):
a restarted server reuses it. Placing a latent reads memory only (~0.2 ms: `aevp.ml.embed.KnnPlacer`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from aevp.ml.embed import Cancelled, KnnPlacer
from aevp.service import latent_map
from aevp.service.datasource import DataSource
from aevp.service.map_cache import CachedMap, MapCache, map_key
from aevp.service.schemas import LatentMap, LatentMapStatus
from aevp.service.store import ModelStore

log = logging.getLogger(__name__)


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

    def status(self) -> LatentMapStatus:
        return LatentMapStatus(
            model_id=self.model_id,
            method=self.method,  # type: ignore[arg-type]
            state=self.state,  # type: ignore[arg-type]
            stage=self.stage,
            fraction=round(self.fraction, 4),
            error=self.error,
            stream=latent_map.stream_path(self.model_id, self.method),
        )


@dataclass(frozen=True)
class _Ready:
    map: LatentMap
    placer: KnnPlacer

    @classmethod
    def of(cls, method: str, found: CachedMap) -> _Ready:
        wire = latent_map.build(method, found.points, found.labels, found.seconds)
        return cls(wire, KnnPlacer.of(found.latents, found.points))


class SlowMaps:
    def __init__(
        self, store: ModelStore, data: DataSource, test_latents: Callable[[str], np.ndarray], cache: MapCache
    ) -> None:
        self.store = store
        self.data = data
        self.test_latents = test_latents
        self.cache = cache
        self._lock = threading.Lock()
        self._ready: dict[tuple[str, str], _Ready] = {}
        self._jobs: dict[tuple[str, str], _Job] = {}
        # One daemon thread, not an executor: a server that stops must not wait at exit for a fit that
        # cannot be interrupted (UMAP before its first epoch); computations queue behind each other.
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def get(self, model_id: str, method: str) -> LatentMap | LatentMapStatus:
        """The map if it is ready (memory, else disk), else the status of its computation, which this
        starts if it is not running. Blocking (reads the model's files): call it off the event loop."""
        entry = self.store.get(model_id)
        known = self.status(model_id, method)
        if isinstance(known, LatentMap) or (known is not None and known.state in ("queued", "running")):
            return known
        labels = self.data.load(entry.spec.dataset).test_labels  # DataUnavailable (409) before starting
        key = map_key(method, entry.path, labels)
        found = self.cache.load(model_id, method, key, entry.spec.latent_dim, len(labels))
        if found is not None:
            ready = _Ready.of(method, found)
            with self._lock:
                self._ready[(model_id, method)] = ready
            return ready.map
        with self._lock:
            job = self._jobs.get((model_id, method))
            if job is None or job.state not in ("queued", "running"):
                job = self._jobs[(model_id, method)] = _Job(model_id, method, key)
                self._queue.put(job)
                if self._worker is None:
                    self._worker = threading.Thread(target=self._work, name="aevp-maps", daemon=True)
                    self._worker.start()
            return job.status()

    def status(self, model_id: str, method: str) -> LatentMap | LatentMapStatus | None:
        """Memory only, cheap (the progress stream polls it): the map, its computation's status, or None."""
        with self._lock:
            ready = self._ready.get((model_id, method))
            job = self._jobs.get((model_id, method))
        if ready is not None:
            return ready.map
        return job.status() if job is not None else None

    def place(self, model_id: str, method: str, z: np.ndarray) -> list[float] | None:
        """[x, y] of latent `z` on the map, if it is ready."""
        with self._lock:
            ready = self._ready.get((model_id, method))
        return None if ready is None else np.round(ready.placer.place(z), 4).tolist()

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
            entry = self.store.get(job.model_id)
            labels = self.data.load(entry.spec.dataset).test_labels
            z = np.asarray(self.test_latents(job.model_id), np.float32)
            fit = fit_tsne if job.method == "tsne" else fit_umap
            points = fit(z, seed=0, progress=report, should_stop=job.stop.is_set)
            found = CachedMap(points, z, labels, time.perf_counter() - t0)
            ready = _Ready.of(job.method, found)
            with self._lock:
                if job.stop.is_set():
                    raise Cancelled("cancelled")
                self._ready[(job.model_id, job.method)] = ready
                job.state, job.stage, job.fraction = "ready", "done", 1.0
            self.cache.save(job.model_id, job.method, job.key, CachedMap(points, z, labels, ready.map.seconds))
        except Cancelled:
            job.state, job.stage, job.error = "failed", "failed", "cancelled"
        except Exception as e:  # reported to whoever waits for it; a later request tries again
            log.exception("%s map of %s failed", job.method, job.model_id)
            job.state, job.stage, job.error = "failed", "failed", f"{type(e).__name__}: {e}"

    # --- lifetime --------------------------------------------------------------------------------

    def forget(self, model_id: str, *, files: bool = False) -> None:
        """Drop a model's maps (it was deleted): memory, running computations and, with `files`, the cache."""
        with self._lock:
            for key in [k for k in self._ready if k[0] == model_id]:
                del self._ready[key]
            for key in [k for k in self._jobs if k[0] == model_id]:
                self._jobs.pop(key).stop.set()
        if files:
            self.cache.remove(model_id)

    def close(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.stop.set()
        self._queue.put(None)
