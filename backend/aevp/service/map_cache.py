"""The latent maps' disk cache (`AEVP_MAPS_DIR`): a finished t-SNE or UMAP map survives a restart.

A map is stored under a key that hashes the model's spec and weights, the test set's labels and the
algorithm's settings, so a deleted or re-uploaded model never gets another model's map. Files are written
to a temporary name and renamed; a damaged or mismatched file is ignored (and recomputed).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# Part of every key: change it when the fits' settings change, so old maps are not reused.
ALGORITHM = "embed-v1 tsne(perplexity=30, 250+500 iters, seed 0) umap(15 neighbours, min_dist 0.1, 200 epochs, seed 0)"


@dataclass(frozen=True)
class CachedMap:
    points: np.ndarray  # (N, 2)
    latents: np.ndarray  # (N, D), the test latents the map was fitted on
    labels: np.ndarray  # (N,)
    seconds: float


def map_key(method: str, folder: Path, labels: np.ndarray) -> str:
    """The cache key of a model folder's map by `method` over a test set with these labels."""
    h = hashlib.sha256(f"{ALGORITHM}\n{method}\n".encode())
    for name in ("spec.json", "weights.safetensors"):
        h.update((folder / name).read_bytes())
    h.update(np.ascontiguousarray(labels).tobytes())
    return h.hexdigest()[:24]


class MapCache:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder  # None: no disk cache (maps live in memory only)

    def _path(self, model_id: str, method: str, key: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{model_id}.{method}.{key}.npz"

    def save(self, model_id: str, method: str, key: str, found: CachedMap) -> None:
        path = self._path(model_id, method, key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", suffix=".npz", delete=False) as f:
                arrays = {"points": found.points, "latents": found.latents, "labels": found.labels}
                np.savez(f, **arrays, seconds=np.float64(found.seconds))
                f.flush()
                os.fsync(f.fileno())
            os.replace(f.name, path)
        except OSError:  # a read-only or full disk costs a recomputation after a restart, nothing more
            log.exception("could not cache the %s map of %s", method, model_id)
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(f.name)

    def load(self, model_id: str, method: str, key: str, latent_dim: int, count: int) -> CachedMap | None:
        path = self._path(model_id, method, key)
        if path is None or not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as f:
                found = CachedMap(f["points"], f["latents"], f["labels"], float(f["seconds"]))
            shapes = (found.points.shape, found.latents.shape, found.labels.shape)
            if shapes != ((count, 2), (count, latent_dim), (count,)):
                raise ValueError(f"shapes {shapes} do not fit this model")
        except Exception as e:  # a damaged file is recomputed
            log.warning("ignoring the cached map %s: %s", path.name, e)
            return None
        return found

    def remove_leftovers(self, min_age_s: float) -> list[str]:
        """Delete temporary files older than `min_age_s` (a crash mid-write; a younger one may be a writer's)."""
        from aevp.ml.folders import remove_leftovers

        return [] if self.folder is None else remove_leftovers(self.folder, min_age_s)

    def remove(self, model_id: str) -> None:
        """Delete every cached map of a model (it was deleted)."""
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.glob(f"{model_id}.*.npz"):
            with contextlib.suppress(OSError):
                path.unlink()
