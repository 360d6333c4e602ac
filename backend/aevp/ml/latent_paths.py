"""Walks through a latent space: interpolation between two codes, sweeps of one or two dimensions, and
draws from a VAE's prior. Pure NumPy; the decoder turns the resulting latents into images."""

from __future__ import annotations

import numpy as np

PATHS = ("linear", "spherical")


def interpolate(a: np.ndarray, b: np.ndarray, steps: int, path: str = "linear") -> np.ndarray:
    """(steps, D) latents from a to b inclusive: straight (linear) or along the great circle (spherical).

    Spherical interpolation (slerp) keeps the norm close to that of typical samples from a Gaussian prior,
    where a straight line would pass through the low-probability region near the origin. When a and b are
    (anti-)parallel or zero the angle is undefined, and it falls back to the straight line.
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}")
    if path not in PATHS:
        raise ValueError(f"path must be one of {PATHS}, got {path!r}")
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"a and b differ in size: {a.size} and {b.size}")
    t = np.linspace(0.0, 1.0, steps)[:, None]
    linear = (1 - t) * a + t * b
    if path == "linear":
        return linear
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return linear
    cos = np.clip(a @ b / (na * nb), -1.0, 1.0)
    omega = np.arccos(cos)
    if np.sin(omega) < 1e-6:
        return linear
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def sweep_values(centre: float, std: float, steps: int, span: float) -> np.ndarray:
    """`steps` evenly spaced values over centre ± span × std (std floored so a dead dimension still moves)."""
    half = span * max(float(std), 1e-3)
    return np.linspace(centre - half, centre + half, steps)


def grid(centre: np.ndarray, dims: list[int], values: list[np.ndarray]) -> np.ndarray:
    """Latents that sweep `dims` over `values` with the other dimensions at `centre`.

    One dimension: (n, D). Two: (n1 * n0, D), row-major with rows following dims[1] and columns dims[0],
    so that the decoded images tile an (n1, n0) grid whose x axis is dims[0] and y axis dims[1].
    """
    centre = np.asarray(centre, np.float64).ravel()
    if len(dims) != len(values) or len(dims) not in (1, 2):
        raise ValueError("give one or two dimensions, each with its values")
    if len(set(dims)) != len(dims):
        raise ValueError(f"the two dimensions must differ, got {dims}")
    for d in dims:
        if not 0 <= d < centre.size:
            raise ValueError(f"dimension {d} is out of range: the latent has dimensions 0..{centre.size - 1}")
    if len(dims) == 1:
        out = np.repeat(centre[None], len(values[0]), axis=0)
        out[:, dims[0]] = values[0]
        return out
    ys, xs = np.meshgrid(values[1], values[0], indexing="ij")
    out = np.repeat(centre[None], xs.size, axis=0)
    out[:, dims[0]] = xs.ravel()
    out[:, dims[1]] = ys.ravel()
    return out


def prior_samples(count: int, latent_dim: int, seed: int = 0) -> np.ndarray:
    """`count` draws from a VAE's prior N(0, I), reproducible for a seed."""
    return np.random.default_rng(seed).standard_normal((count, latent_dim))
