"""PCA of latent vectors, the linear latent map: fitted once per model on its test set's latents. Pure NumPy.

`fit_pca` centres the latents and takes the top two right singular vectors; each component's sign is
fixed (its largest loading positive) so that a model's map is the same on every run. `transform` puts
new latents (the user's drawing) on the same map: `(z - mean) @ components.T`, which the browser can
also do itself from `mean` and `components`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PCA:
    mean: np.ndarray  # (D,)
    components: np.ndarray  # (k, D), orthonormal rows
    explained_variance: np.ndarray  # (k,) variance along each component
    explained_variance_ratio: np.ndarray  # (k,) share of the total variance

    def transform(self, latents: np.ndarray) -> np.ndarray:
        """(N, D) or (D,) latents -> (N, k) or (k,) map positions."""
        z = np.asarray(latents, np.float64)
        return (z - self.mean) @ self.components.T


def fit_pca(latents: np.ndarray, k: int = 2) -> PCA:
    """PCA of (N, D) latents onto k components (k <= D; missing ones are zero when D < k)."""
    z = np.nan_to_num(np.asarray(latents, np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if z.ndim != 2 or z.shape[0] < 2:
        raise ValueError(f"latents must have shape (N >= 2, D), got {z.shape}")
    n, d = z.shape
    mean = z.mean(axis=0)
    centred = z - mean
    # The D x D covariance: cheaper than an SVD of the N x D matrix for N >> D, and exact here.
    cov = centred.T @ centred / (n - 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    values, vectors = np.clip(values[order], 0.0, None), vectors[:, order]
    comps = np.zeros((k, d))
    var = np.zeros(k)
    m = min(k, d)
    comps[:m], var[:m] = vectors[:, :m].T, values[:m]
    for i in range(m):  # a deterministic sign: the largest loading is positive
        j = int(np.argmax(np.abs(comps[i])))
        if comps[i, j] < 0:
            comps[i] = -comps[i]
    total = float(values.sum())
    ratio = var / total if total > 0 else np.zeros(k)
    return PCA(mean=mean, components=comps, explained_variance=var, explained_variance_ratio=ratio)
