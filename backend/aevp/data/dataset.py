"""The two records the data layer hands out: a dataset's arrays, and what the cache holds for it."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Dataset:
    """One dataset's arrays: uint8 images N x 28 x 28 and integer labels N (uint8, or uint16 past 256
    classes), train and test."""

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: tuple[str, ...]


@dataclass(frozen=True)
class DatasetStatus:
    """What the cache holds for one dataset."""

    name: str
    cached: bool
    verified: bool
    source: str | None
    train_size: int | None
    test_size: int | None
    path: Path
