"""A few hundred synthetic 28x28 'digits' in place of the real datasets, so service tests take seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aevp.data import CLASS_NAMES, DATASET_NAMES, Dataset, DatasetStatus
from aevp.service.datasource import DataUnavailable


def make_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Class k is a bright bar whose position and angle depend on k, with a little noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    yy, xx = np.mgrid[0:28, 0:28].astype(np.float32)
    angle = labels[:, None, None] * (np.pi / 10)
    offset = (labels[:, None, None] % 5 - 2) * 2.0
    dist = np.abs((xx - 13.5) * np.cos(angle) + (yy - 13.5) * np.sin(angle) - offset)
    radius = np.hypot(xx - 13.5, yy - 13.5)
    images = np.clip(1.5 - dist, 0, 1) * (radius < 11)
    images = images + rng.normal(0, 0.05, images.shape)
    return (np.clip(images, 0, 1) * 255).astype(np.uint8), labels


class SyntheticData:
    """A DataSource (see aevp.service.datasource) over generated images; `missing` names are unavailable."""

    def __init__(self, n_train: int = 512, n_test: int = 128, missing: tuple[str, ...] = ()) -> None:
        self.n_train, self.n_test, self.missing = n_train, n_test, missing
        self._cache: dict[str, Dataset] = {}

    def names(self) -> tuple[str, ...]:
        return tuple(DATASET_NAMES)

    def class_names(self, name: str) -> tuple[str, ...]:
        return tuple(CLASS_NAMES[name])

    def status(self, name: str) -> DatasetStatus:
        if name in self.missing:
            return DatasetStatus(name, False, False, None, None, None, Path("synthetic"))
        return DatasetStatus(name, True, True, "synthetic", self.n_train, self.n_test, Path("synthetic"))

    def is_imported(self, name: str) -> bool:
        return False

    def import_archive(self, *args: object, **kwargs: object) -> tuple[Dataset, list[str]]:
        raise DataUnavailable("imports need the real data cache (synthetic test data)")

    def delete(self, name: str) -> None:
        from aevp.data import NotImported

        raise NotImported(f"{name!r} is a built-in dataset and cannot be deleted")

    def load(self, name: str) -> Dataset:
        if name not in DATASET_NAMES:
            raise DataUnavailable(f"dataset {name!r} is not available: Unknown dataset {name!r}")
        if name in self.missing:
            raise DataUnavailable(f"dataset {name!r} is not available: not fetched (synthetic test data)")
        if name not in self._cache:
            seed = DATASET_NAMES.index(name)
            xtr, ytr = make_images(self.n_train, seed)
            xte, yte = make_images(self.n_test, seed + 100)
            self._cache[name] = Dataset(name, xtr, ytr, xte, yte, self.class_names(name))
        return self._cache[name]
