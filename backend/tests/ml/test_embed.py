import threading

import numpy as np
import pytest

from aevp.ml.embed import Cancelled, KnnPlacer, exact_knn, fit_tsne, fit_umap


def clusters(n: int = 300, d: int = 8, k: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k well separated Gaussian blobs in d dimensions, and each point's blob."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    centres = rng.normal(0, 10, (k, d))
    return (centres[labels] + rng.normal(0, 0.5, (n, d))).astype(np.float32), labels


def separated(points: np.ndarray, labels: np.ndarray) -> bool:
    """Every point's nearest other point on the map is from its own blob."""
    d = np.linalg.norm(points[:, None] - points[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    return bool((labels[d.argmin(axis=1)] == labels).all())


def test_tsne_shape_determinism_progress_and_clusters() -> None:
    z, labels = clusters()
    reports: list[tuple[str, float]] = []
    a = fit_tsne(z, seed=3, exaggeration_iters=50, iters=100, progress=lambda s, f: reports.append((s, f)))
    b = fit_tsne(z, seed=3, exaggeration_iters=50, iters=100)
    assert a.shape == (300, 2) and a.dtype == np.float32 and np.isfinite(a).all()
    assert np.array_equal(a, b)  # seeded: the same map every time
    assert not np.array_equal(a, fit_tsne(z, seed=4, exaggeration_iters=50, iters=100))
    assert separated(a, labels)
    fractions = [f for _, f in reports]
    assert fractions == sorted(fractions) and fractions[0] == 0 and fractions[-1] == 1
    assert {s for s, _ in reports} >= {"neighbours", "exaggeration", "optimisation", "done"}
    assert len(reports) > 10  # every 10 iterations


def test_tsne_stops_when_asked_and_rejects_tiny_input() -> None:
    z, _ = clusters(100)
    calls = []
    with pytest.raises(Cancelled):
        fit_tsne(z, exaggeration_iters=50, iters=50, should_stop=lambda: calls.append(1) or len(calls) > 2)
    with pytest.raises(ValueError):
        fit_tsne(np.zeros((3, 4)))


def test_umap_shape_determinism_progress_and_clusters() -> None:
    z, labels = clusters()
    reports: list[tuple[str, float]] = []
    a = fit_umap(z, seed=1, epochs=60, progress=lambda s, f: reports.append((s, f)))
    b = fit_umap(z, seed=1, epochs=60)
    assert a.shape == (300, 2) and a.dtype == np.float32 and np.array_equal(a, b)
    assert separated(a, labels)
    fractions = [f for _, f in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1
    assert any(s == "layout" and 0.3 < f < 1 for s, f in reports)  # the epochs are reported as they run
    with pytest.raises(Cancelled):
        fit_umap(z, epochs=60, should_stop=lambda: True)


def test_exact_knn_starts_with_the_point_itself() -> None:
    z, _ = clusters(50)
    idx, dists, _ = exact_knn(z.astype(np.float64), 5)
    assert idx.shape == dists.shape == (50, 5) and (idx[:, 0] == np.arange(50)).all() and (dists[:, 0] == 0).all()


def test_placer_puts_fitted_latents_on_their_points_and_new_ones_among_their_neighbours() -> None:
    z, labels = clusters(500, d=16)
    rng = np.random.default_rng(5)
    points = (rng.normal(0, 1, (500, 2)) + labels[:, None] * 20.0).astype(np.float32)  # one island per blob
    placer = KnnPlacer.of(z, points)
    for i in (0, 17, 499):
        assert np.array_equal(placer.place(z[i]), points[i].astype(np.float64))  # exactly on its own point
    for i in range(20):  # a latent near blob j lands on blob j's island
        new = z[i] + rng.normal(0, 0.1, 16).astype(np.float32)
        x = placer.place(new)
        assert x.shape == (2,) and abs(x - labels[i] * 20.0).max() < 5
    with pytest.raises(ValueError, match="has 3 values"):
        placer.place(np.zeros(3))
    with pytest.raises(ValueError):
        KnnPlacer.of(z, points[:10])
    small = KnnPlacer.of(z[:4], points[:4], k=10)  # k larger than the map: all points
    assert np.isfinite(small.place(np.ones(16))).all()


def test_a_failing_progress_report_does_not_hang_later_umap_fits() -> None:
    """tqdm keeps its process-wide lock when a write raises; the epoch reports must never raise into it."""
    z, _ = clusters(120)

    def boom(stage: str, fraction: float) -> None:
        if stage == "layout":
            raise RuntimeError("a broken progress callback")

    assert fit_umap(z, epochs=20, progress=boom).shape == (120, 2)
    later = threading.Thread(target=lambda: fit_umap(z, epochs=20), daemon=True)
    later.start()
    later.join(60)
    assert not later.is_alive()
