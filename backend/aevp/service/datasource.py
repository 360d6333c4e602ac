"""Where the service gets images from: the verified local cache by default, anything else in tests.

`create_app(settings, data=...)` accepts any object with this shape, so tests run on a few hundred
synthetic images instead of the 70,000 real ones.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

from aevp.data import Dataset, DatasetStatus

TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}


class DataUnavailable(Exception):
    """The dataset exists but is not available here (not fetched, or its cache failed verification)."""


class DataSource(Protocol):
    def names(self) -> tuple[str, ...]: ...

    def class_names(self, name: str) -> tuple[str, ...]: ...

    def status(self, name: str) -> DatasetStatus:
        """Whether it is cached and verified, where it came from, and its sizes; never raises."""
        ...

    def load(self, name: str) -> Dataset:
        """Raises DataUnavailable with a message saying what to do."""
        ...


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class CachedData:
    """The real datasets from `aevp.data`'s verified cache, loaded once and kept in memory."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._loaded: dict[str, Dataset] = {}
        self._status: dict[str, tuple[tuple[int, int] | None, DatasetStatus]] = {}
        self._lock = threading.Lock()

    def names(self) -> tuple[str, ...]:
        from aevp.data import DATASET_NAMES

        return tuple(DATASET_NAMES)

    def class_names(self, name: str) -> tuple[str, ...]:
        from aevp.data import CLASS_NAMES

        return tuple(CLASS_NAMES[name])

    def status(self, name: str) -> DatasetStatus:
        """The cache's status; verifying it reads and hashes the arrays, so it is redone only when the
        cache file changes."""
        from aevp.data import DataError, dataset_status

        with self._lock:
            known = self._status.get(name)
        if known is not None and _stamp(known[1].path) == known[0]:
            return known[1]
        try:
            s = dataset_status(name, self._data_dir)
        except DataError:
            return DatasetStatus(name, False, False, None, None, None, self._data_dir)
        with self._lock:
            self._status[name] = (_stamp(Path(s.path)), s)
        return s

    def load(self, name: str) -> Dataset:
        from aevp.data import DataError, load_dataset

        with self._lock:
            if name not in self._loaded:
                try:
                    d = load_dataset(name, self._data_dir)
                except DataError as e:
                    raise DataUnavailable(f"dataset {name!r} is not available: {e}") from e
                self._loaded[name] = d
            return self._loaded[name]
