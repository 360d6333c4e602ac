"""A model's test set in latent space: its latents, their statistics, and every latent map of them.

One `Latents` per app. The test latents are encoded once per model (about 0.7 s for 10,000 images on
2 cores) and shared by the statistics (the sliders' ranges) and the maps: PCA (~0.1 s once encoded) and
the latent plane of a 2-D model here, t-SNE and UMAP in the background (`aevp.service.slow_maps`). Every
map goes out through `latent_map.build`. Methods are blocking: call them off the event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

from aevp.service import latent_map
from aevp.service.datasource import DataSource
from aevp.service.faults import MapUnavailable
from aevp.service.latent_map import SLOW_METHODS
from aevp.service.loaded import MAX_LOADED_MODELS, LoadedModels
from aevp.service.map_cache import MapCache
from aevp.service.schemas import DimStats, LatentMap, LatentMapStatus, LatentStats
from aevp.service.slow_maps import SlowMaps
from aevp.service.store import ModelStore

log = logging.getLogger(__name__)

PERCENTILES = (1, 5, 25, 50, 75, 95, 99)


class Latents:
    def __init__(self, store: ModelStore, loaded: LoadedModels, data: DataSource, maps_dir: Path | None) -> None:
        self.store = store
        self.loaded = loaded
        self.data = data
        self.slow = SlowMaps(store, data, self.test_latents, MapCache(maps_dir))
        self._lock = threading.Lock()
        self._latents: OrderedDict[str, np.ndarray] = OrderedDict()  # the test set's, per model
        self._stats: dict[str, LatentStats] = {}
        self._pca: dict[str, LatentMap] = {}
        self._once: dict[str, threading.Lock] = {}  # two requests at once compute a result once

    def _compute_lock(self, key: str) -> threading.Lock:
        with self._lock:
            return self._once.setdefault(key, threading.Lock())

    def _keep(self, cache: dict, model_id: str, value: object) -> None:
        """Cache a result unless the model was deleted while it was computed."""
        with self._lock:
            if self.store.listed(model_id):
                cache[model_id] = value

    # --- test latents and their statistics -------------------------------------------------------

    def test_latents(self, model_id: str) -> np.ndarray:
        """(N, D) float32 latents of the model's test set, encoded once."""
        entry = self.store.get(model_id)
        with self._compute_lock(f"{model_id}/latents"):
            with self._lock:
                cached = self._latents.get(model_id)
            if cached is not None:
                return cached
            images = self.data.load(entry.spec.dataset).test_images
            z = np.asarray(self.loaded.inference(model_id).encode(images.astype(np.float32) / 255.0), np.float32)
            self._keep(self._latents, model_id, z)
            with self._lock:
                while len(self._latents) > MAX_LOADED_MODELS:
                    self._latents.popitem(last=False)
            return z

    def stats(self, model_id: str) -> LatentStats:
        """Percentiles, mean and standard deviation of each latent dimension over the test set."""
        self.store.get(model_id)  # 404 before taking a lock
        with self._compute_lock(f"{model_id}/stats"):
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
            self._keep(self._stats, model_id, stats)
            return stats

    # --- the maps --------------------------------------------------------------------------------

    def map(self, model_id: str, method: str) -> LatentMap | LatentMapStatus:
        """The map by `method`, or (t-SNE, UMAP) the status of its computation, which this starts."""
        if method == "pca":
            return self.pca(model_id)
        if method == "latent":
            return self.latent_plane(model_id)
        if method not in SLOW_METHODS:
            raise latent_map.unknown_method(method)
        return self.slow.get(model_id, method)

    def map_status(self, model_id: str, method: str) -> LatentMap | LatentMapStatus | None:
        """Memory only, cheap: a slow map, its computation's status, or None (dropped or never started)."""
        return self.slow.status(model_id, method)

    def pca(self, model_id: str) -> LatentMap:
        """The test latents' first two principal components, with the PCA's mean and components so that a
        client places any latent itself; computed once per model."""
        from aevp.ml.pca import fit_pca

        entry = self.store.get(model_id)
        with self._compute_lock(f"{model_id}/pca"):
            cached = self._pca.get(model_id)
            if cached is not None:
                return cached
            t0 = time.perf_counter()
            labels = self.data.load(entry.spec.dataset).test_labels
            z = self.test_latents(model_id)
            pca = fit_pca(z)
            axes = {
                "explained_variance": pca.explained_variance_ratio.tolist(),
                "mean": pca.mean.tolist(),
                "components": pca.components.tolist(),
            }
            found = latent_map.build("pca", pca.transform(z), labels, time.perf_counter() - t0, **axes)
            self._keep(self._pca, model_id, found)
            return found

    def latent_plane(self, model_id: str) -> LatentMap:
        """A model with a 2-D latent is its own map: the test set's latents as they are."""
        entry = self.store.get(model_id)
        _require_2d(model_id, entry.spec.latent_dim, "method")
        t0 = time.perf_counter()
        labels = self.data.load(entry.spec.dataset).test_labels
        z = np.asarray(self.test_latents(model_id), np.float64)
        var = np.nan_to_num(z).var(axis=0)
        share = (var / var.sum() if var.sum() > 0 else var).tolist()
        identity = {"mean": [0.0, 0.0], "components": [[1.0, 0.0], [0.0, 1.0]]}  # browsers place it as PCA
        return latent_map.build("latent", z, labels, time.perf_counter() - t0, explained_variance=share, **identity)

    def positions(self, model_id: str, latent: list[float | None], maps: list[str]) -> dict[str, list[float]]:
        """[x, y] on each of `maps` that is ready (t-SNE, UMAP) or always there (the latent plane)."""
        z = np.nan_to_num(np.asarray([np.nan if v is None else v for v in latent], np.float32))
        out: dict[str, list[float]] = {}
        for method in dict.fromkeys(maps):
            if method == "latent":
                _require_2d(model_id, self.store.get(model_id).spec.latent_dim, "map")
                out[method] = [round(float(z[0]), 4), round(float(z[1]), 4)]
            elif (placed := self.slow.place(model_id, method, z)) is not None:
                out[method] = placed
        return out

    # --- lifetime --------------------------------------------------------------------------------

    def warm(self, model_id: str) -> None:
        """Compute a model's latent statistics and PCA map now, so that its first page does not wait for them."""
        try:
            self.stats(model_id)
            self.pca(model_id)
        except Exception as exc:  # e.g. the dataset is not fetched: computed on first request
            log.info("latent statistics of %s not precomputed: %s", model_id, exc)

    def warm_pretrained(self, skip: str | None = None) -> None:
        """`warm` each pretrained model but `skip` (the one a new page opens, warmed before "ready")."""
        for entry in self.store.entries():
            if entry.pretrained and entry.id != skip:
                self.warm(entry.id)

    def forget(self, model_id: str, *, files: bool = False) -> None:
        """Drop everything computed for a model (it was deleted); with `files`, its cached maps on disk too."""
        with self._lock:
            for cache in (self._latents, self._stats, self._pca):
                cache.pop(model_id, None)
        self.slow.forget(model_id, files=files)

    def close(self) -> None:
        self.slow.close()


def _require_2d(model_id: str, latent_dim: int, what: str) -> None:
    if latent_dim != 2:
        raise MapUnavailable(f"{what} 'latent' needs a model with a 2-D latent; {model_id!r} has {latent_dim}")
