"""The local cache: one uncompressed `.npz` of arrays per dataset, never pickle, written atomically.

Uncompressed so that loading is a plain read (about 55 MB per dataset, well under a second with the
checksums). The file also records which source it came from; an imported dataset's file also holds its
manifest (class names and checksums, see userdata.py).
"""

import os
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from aevp.data.catalog import SPLITS
from aevp.data.verify import Splits

_SOURCE_KEY = "source"


@dataclass(frozen=True)
class CacheEntry:
    """What the cache file of one dataset holds."""

    splits: Splits
    source: str | None
    strings: Mapping[str, str] = field(default_factory=dict)  # any other text entries (an import's manifest)


def cache_path(data_dir: Path, name: str) -> Path:
    """Where the cache file of a built-in dataset lives."""
    return Path(data_dir) / f"{name}.npz"


def write_arrays(path: Path, splits: Splits, source: str, strings: Mapping[str, str] | None = None) -> Path:
    """Write to a temporary file next to `path`, fsync it, then rename it over: never half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {key: np.ascontiguousarray(array) for key, array in zip(SPLITS, splits, strict=True)}
    texts = {key: np.array(value) for key, value in (strings or {}).items()}
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".npz.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez(file, allow_pickle=False, **arrays, **texts, **{_SOURCE_KEY: np.array(source)})
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private; a cache may be shared with a service user
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def write_cache(data_dir: Path, name: str, splits: Splits, source: str) -> Path:
    """Write a built-in dataset's cache file atomically."""
    return write_arrays(cache_path(data_dir, name), splits, source)


def read_arrays(path: Path) -> CacheEntry:
    """Read a cache file without verifying it; raises OSError or ValueError if missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            splits = Splits(*(npz[key] for key in SPLITS))
            source = str(npz[_SOURCE_KEY]) if _SOURCE_KEY in npz.files else None
            strings = {key: str(npz[key]) for key in npz.files if key not in SPLITS and key != _SOURCE_KEY}
    except (zipfile.BadZipFile, KeyError, EOFError) as exc:
        raise ValueError(f"unreadable cache file ({type(exc).__name__}: {exc})") from exc
    return CacheEntry(splits, source, strings)


def read_string(path: Path, key: str) -> str:
    """One text entry of a cache file, without reading its arrays; raises OSError or ValueError."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return str(npz[key])
    except (zipfile.BadZipFile, KeyError, EOFError) as exc:
        raise ValueError(f"unreadable cache file ({type(exc).__name__}: {exc})") from exc


def read_cache(data_dir: Path, name: str) -> CacheEntry:
    """Read a built-in dataset's cache file without verifying it."""
    return read_arrays(cache_path(data_dir, name))
