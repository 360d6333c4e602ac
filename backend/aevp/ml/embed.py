"""Non-linear 2-D maps of latent vectors, t-SNE (openTSNE) and UMAP (umap-learn), and placing new
latents on a fitted map fast enough to follow a drawing stroke by stroke. No web imports.

Both fits are seeded, so a model's map is the same on every run, and report progress as
`(stage, fraction)` with the fraction of the whole fit done (0..1). A `should_stop` callable that
returns True ends a fit early with `Cancelled` (t-SNE within 10 iterations, UMAP between its stages).

Placing a new point: both libraries can `transform` new data, but by optimising it against the map:
openTSNE's takes seconds for one point (a full optimisation run), umap-learn's hundreds of
milliseconds, and the lab moves the drawing's point on every stroke and slider step (a budget of
16 ms a frame). `KnnPlacer` instead puts a latent at the inverse-distance-weighted mean of the map
positions of its k nearest test latents (brute force in float32, one matrix-vector product:
~0.1-0.3 ms for 10,000 points). That is how both methods initialise new points themselves, and a test
latent lands exactly on its own point.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

ProgressFn = Callable[[str, float], None]
StopFn = Callable[[], bool]

TSNE_EXAGGERATION_ITERS = 250  # openTSNE's defaults: 250 early-exaggeration iterations (12x) ...
TSNE_ITERS = 500  # ... then 500 plain ones
FFT_FROM = 2000  # points from which t-SNE's gradients use FFT interpolation rather than Barnes-Hut
TSNE_EVERY = 10  # iterations between progress reports (each computes the KL divergence: cheap at this rate)
UMAP_EPOCHS = 200  # umap-learn's own choice for more than 10,000 points; fixed so that progress is known


class Cancelled(Exception):
    """A fit was stopped by its `should_stop` callable."""


def _quiet(stage: str, fraction: float) -> None:
    pass


def _never() -> bool:
    return False


def _as_latents(latents: np.ndarray) -> np.ndarray:
    z = np.nan_to_num(np.asarray(latents, np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if z.ndim != 2 or z.shape[0] < 8:
        raise ValueError(f"latents must have shape (N >= 8, D), got {z.shape}")
    return z


def _finish(points: Any) -> np.ndarray:
    """float32 (N, 2), centred on the origin (both methods' maps are translation-free)."""
    p = np.asarray(points, np.float64)
    return (p - p.mean(axis=0)).astype(np.float32)


def fit_tsne(
    latents: np.ndarray,
    *,
    seed: int = 0,
    perplexity: float = 30.0,
    n_jobs: int = 1,
    exaggeration_iters: int = TSNE_EXAGGERATION_ITERS,
    iters: int = TSNE_ITERS,
    progress: ProgressFn = _quiet,
    should_stop: StopFn = _never,
) -> np.ndarray:
    """t-SNE of (N, D) latents -> (N, 2) float32. Exact nearest neighbours (a ball tree: ~1.5 s for
    10,000 16-D latents, where openTSNE's default Annoy index took ~5 s), PCA initialisation, FFT
    gradients (Barnes-Hut for small maps), openTSNE's two phases. Deterministic for a seed and a number of
    threads. One thread by default: on this 2-core machine, with the service and other work sharing the
    cores, two OpenMP threads took 38 s for 10,000 points against 17 s for one (and 50x longer for 300
    points), and one thread leaves the other core to interactive requests."""
    from openTSNE import TSNEEmbedding, affinity, initialization

    z = _as_latents(latents)
    n = z.shape[0]
    perplexity = float(min(perplexity, (n - 1) / 3))
    total = exaggeration_iters + iters
    progress("neighbours", 0.0)
    aff = affinity.PerplexityBasedNN(
        z, perplexity=perplexity, method="exact", n_jobs=n_jobs, random_state=seed, verbose=False
    )
    # The share of the fit the neighbour search takes, as measured for 10,000 points.
    start = 0.05
    progress("exaggeration", start)
    init = initialization.pca(z, random_state=seed)
    # FFT gradients scale linearly but cost a fixed grid per iteration; Barnes-Hut is faster below a few
    # thousand points (the tests' maps), FFT at the test sets' 10,000.
    method = "fft" if n >= FFT_FROM else "bh"
    embedding = TSNEEmbedding(init, aff, n_jobs=n_jobs, random_state=seed, negative_gradient_method=method)
    done = 0

    def callback(iteration: int, error: float, emb: Any) -> None:
        if should_stop():
            raise Cancelled("t-SNE cancelled")
        stage = "exaggeration" if done == 0 else "optimisation"
        progress(stage, start + (1 - start) * min(1.0, (done + iteration) / total))

    cb: dict[str, Any] = {"callbacks": callback, "callbacks_every_iters": TSNE_EVERY}
    embedding = embedding.optimize(n_iter=exaggeration_iters, exaggeration=12, momentum=0.5, **cb)
    done = exaggeration_iters
    progress("optimisation", start + (1 - start) * done / total)
    # The map spreads out in this phase and the FFT grid grows with it (one interval per unit of the
    # map by default): intervals of two units halve its cost at 10,000 points (~60 vs ~125 ms an
    # iteration on 2 cores) for a small loss in the accuracy of the repulsive forces.
    fft = {"ints_in_interval": 2} if method == "fft" else {}
    embedding = embedding.optimize(n_iter=iters, momentum=0.8, **fft, **cb)
    progress("done", 1.0)
    return _finish(embedding)


class _EpochFile:
    """A file for umap-learn's tqdm bar (`bar_format="{n}/{total}"`): each write is 'n/total', turned
    into a progress report. umap-learn offers no other hook into its layout epochs.

    `write` never raises: tqdm writes while holding its process-wide lock and does not release it when
    the write fails, so an exception here (a cancellation, say) would hang every later tqdm bar, in
    every thread. A fit is therefore only stopped between its stages."""

    NUMBERS = re.compile(r"(\d+)/(\d+)")

    def __init__(self, on_epoch: Callable[[int, int], None]) -> None:
        self.on_epoch = on_epoch

    def write(self, text: str) -> int:
        with contextlib.suppress(Exception):
            found = self.NUMBERS.findall(text)
            if found:
                n, total = found[-1]
                self.on_epoch(int(n), max(1, int(total)))
        return len(text)

    def flush(self) -> None:
        pass


def fit_umap(
    latents: np.ndarray,
    *,
    seed: int = 0,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    epochs: int = UMAP_EPOCHS,
    progress: ProgressFn = _quiet,
    should_stop: StopFn = _never,
) -> np.ndarray:
    """UMAP of (N, D) latents -> (N, 2) float32, deterministic for a seed (umap-learn then runs its
    layout on one thread). The first fit in a process also compiles umap-learn's numba code (~10-15 s)."""
    import umap

    z = _as_latents(latents)
    n_neighbors = int(min(n_neighbors, z.shape[0] - 1))
    start = 0.3  # neighbours, the fuzzy graph and the spectral initialisation, before the first epoch

    def check() -> None:
        if should_stop():
            raise Cancelled("UMAP cancelled")

    bar: IO[str] = _EpochFile(lambda n, total: progress("layout", start + (1 - start) * n / total))  # type: ignore[assignment]
    progress("neighbours", 0.0)
    check()
    knn = exact_knn(z, n_neighbors)
    check()
    reducer = umap.UMAP(
        precomputed_knn=knn,
        n_neighbors=n_neighbors,
        min_dist=min_dist,
        n_epochs=epochs,
        random_state=seed,
        n_jobs=1,
        tqdm_kwds={"disable": False, "file": bar, "bar_format": "{n}/{total}", "mininterval": 0.1},
    )
    with warnings.catch_warnings():  # "transform will be unavailable": new points go through KnnPlacer
        warnings.filterwarnings("ignore", message="precomputed_knn", category=UserWarning)
        points = reducer.fit_transform(z.astype(np.float32))
    check()
    progress("done", 1.0)
    return _finish(points)


def exact_knn(z: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, None]:
    """Each row's k nearest rows (itself first) by a ball tree, as umap-learn's `precomputed_knn`: ~1 s
    for 10,000 16-D latents, where umap-learn's own NN-descent spends ~30 s compiling and searching."""
    from sklearn.neighbors import NearestNeighbors

    dists, idx = NearestNeighbors(n_neighbors=k, algorithm="ball_tree").fit(z).kneighbors(z)
    return idx.astype(np.int32), dists.astype(np.float32), None


@dataclass(frozen=True)
class KnnPlacer:
    """Places new latents on a fitted map: the inverse-distance-weighted mean of the map positions of
    the k nearest fitted latents. Build once per map (`KnnPlacer.of`), then `place` in ~0.1-0.3 ms."""

    latents: np.ndarray  # (N, D) float32, the fitted latents
    sq_norms: np.ndarray  # (N,) float32, |latent|^2
    points: np.ndarray  # (N, 2) float32, their map positions
    k: int

    @classmethod
    def of(cls, latents: np.ndarray, points: np.ndarray, k: int = 10) -> KnnPlacer:
        z = np.ascontiguousarray(np.nan_to_num(np.asarray(latents, np.float32)))
        p = np.ascontiguousarray(np.asarray(points, np.float32))
        if z.ndim != 2 or p.shape != (z.shape[0], 2) or z.shape[0] == 0:
            raise ValueError(f"latents (N, D) and points (N, 2) must match, got {z.shape} and {p.shape}")
        return cls(latents=z, sq_norms=np.einsum("nd,nd->n", z, z), points=p, k=max(1, min(k, z.shape[0])))

    def place(self, latent: np.ndarray) -> np.ndarray:
        """(D,) latent -> (2,) float64 map position."""
        z = np.nan_to_num(np.asarray(latent, np.float32).reshape(-1))
        if z.shape[0] != self.latents.shape[1]:
            raise ValueError(f"latent has {z.shape[0]} values; the map's latents have {self.latents.shape[1]}")
        d2 = self.sq_norms - 2.0 * (self.latents @ z) + float(z @ z)
        near = np.argpartition(d2, self.k - 1)[: self.k] if self.k < d2.shape[0] else np.arange(d2.shape[0])
        # The expansion above loses precision in float32; the k distances are recomputed exactly.
        dist = np.linalg.norm(self.latents[near].astype(np.float64) - z.astype(np.float64), axis=1)
        closest = int(np.argmin(dist))
        if dist[closest] <= 1e-9:  # a fitted latent lands on its own point (its weight would be infinite)
            return self.points[near[closest]].astype(np.float64)
        weights = 1.0 / dist
        return (weights @ self.points[near].astype(np.float64)) / weights.sum()
