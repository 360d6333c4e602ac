"""The local cache: one uncompressed `.npz` of uint8 arrays per dataset, never pickle, written atomically.

Uncompressed so that loading is a plain read (about 55 MB per dataset, well under a second with the
checksums). The file also records which source it came from.
"""

import os
import tempfile
import zipfile
from dataclasses import dataclass
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


def cache_path(data_dir: Path, name: str) -> Path:
    """Where the cache file of a dataset lives."""
    return Path(data_dir) / f"{name}.npz"


def write_cache(data_dir: Path, name: str, splits: Splits, source: str) -> Path:
    """Write to a temporary file next to the cache file, then rename it over: never half written."""
    path = cache_path(data_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {key: np.ascontiguousarray(array) for key, array in zip(SPLITS, splits, strict=True)}
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".npz.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez(file, allow_pickle=False, **arrays, **{_SOURCE_KEY: np.array(source)})
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private; a cache may be shared with a service user
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def read_cache(data_dir: Path, name: str) -> CacheEntry:
    """Read a cache file without verifying it; raises OSError or ValueError if missing or unreadable."""
    try:
        with np.load(cache_path(data_dir, name), allow_pickle=False) as npz:
            splits = Splits(*(npz[key] for key in SPLITS))
            source = str(npz[_SOURCE_KEY]) if _SOURCE_KEY in npz.files else None
    except (zipfile.BadZipFile, KeyError, EOFError) as exc:
        raise ValueError(f"unreadable cache file ({type(exc).__name__}: {exc})") from exc
    return CacheEntry(splits, source)
