"""Where the service gets images from: the verified local cache by default, anything else in tests.

`create_app(settings, data=...)` accepts any object with this shape, so tests run on a few hundred
synthetic images instead of the real ones. The cache holds the built-in datasets and the user's imports.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO, Protocol

from aevp.data import CREDITS, Dataset, DatasetStatus, ImportLimits
from aevp.data import TITLES as _TITLES

TITLES: Mapping[str, str] = _TITLES  # an imported dataset's title is its name
__all__ = ["CREDITS", "TITLES", "CachedData", "DataSource", "DataUnavailable"]


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

    def is_imported(self, name: str) -> bool:
        """Whether `name` is one of the user's imported datasets (which can be deleted)."""
        ...

    def import_archive(
        self, file: BinaryIO, name: str, limits: ImportLimits, *, invert: bool, test_fraction: float, label: str
    ) -> tuple[Dataset, list[str]]:
        """Import a zip as dataset `name`; raises aevp.data's ImportRefused or DatasetExists."""
        ...

    def delete(self, name: str) -> None:
        """Delete an imported dataset; raises aevp.data's DataError (NotImported for a built-in one)."""
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
        from aevp.data import dataset_names

        return dataset_names(self._data_dir)

    def class_names(self, name: str) -> tuple[str, ...]:
        from aevp.data import DataError, class_names

        try:
            return class_names(name, self._data_dir)
        except DataError:
            return ()

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

    def is_imported(self, name: str) -> bool:
        from aevp.data import is_imported

        return is_imported(self._data_dir, name)

    def import_archive(
        self, file: BinaryIO, name: str, limits: ImportLimits, *, invert: bool, test_fraction: float, label: str
    ) -> tuple[Dataset, list[str]]:
        from aevp.data import import_dataset

        self._forget(name)
        return import_dataset(
            file, name, self._data_dir, limits, invert=invert, test_fraction=test_fraction, label=label
        )

    def delete(self, name: str) -> None:
        from aevp.data import delete_user_dataset

        delete_user_dataset(self._data_dir, name)
        self._forget(name)

    def _forget(self, name: str) -> None:
        # A deleted dataset's arrays must not outlive it, nor be served for a later import of the same name.
        with self._lock:
            self._loaded.pop(name, None)
            self._status.pop(name, None)
