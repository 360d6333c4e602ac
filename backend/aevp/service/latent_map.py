"""The wire form of every latent map (PCA, t-SNE, UMAP, the latent plane): one builder, and the map's names."""

from __future__ import annotations

import numpy as np

from aevp.service.faults import MapUnavailable
from aevp.service.schemas import LatentMap

METHODS = ("pca", "tsne", "umap", "latent")
SLOW_METHODS = ("tsne", "umap")  # computed in the background (aevp.service.slow_maps)


def unknown_method(method: str) -> MapUnavailable:
    return MapUnavailable(f"unknown map method {method!r}; expected pca, tsne, umap or latent")


def stream_path(model_id: str, method: str) -> str:
    """The WebSocket that streams a map's computation."""
    return f"/ws/models/{model_id}/latent-map?method={method}"


def build(method: str, points: np.ndarray, labels: np.ndarray, seconds: float, **axes: list) -> LatentMap:
    """A map's wire object: points rounded to 4 decimals (NaN -> 0), one label per point; `axes`
    (explained_variance, mean, components) only where they mean something (PCA, the latent plane)."""
    return LatentMap(
        **{
            "method": method,
            "count": int(points.shape[0]),
            "points": np.round(np.nan_to_num(np.asarray(points, np.float64)), 4).tolist(),
            "labels": np.asarray(labels).astype(int).tolist(),
            "explained_variance": [],
            "mean": [],
            "components": [],
            "seconds": round(float(seconds), 4),
            **axes,
        }
    )
