"""Users' own datasets: imported images kept in the data cache beside the built-in ones, one file each.

`<data dir>/user/<name>.npz` holds the four arrays (uint8 images; uint8 labels, uint16 past 256 classes),
the source, and a JSON manifest: the class names and the SHA-256 of each array, recorded at import and
checked on every load (a corrupt file is refused like a corrupt cache). Written atomically like the cache.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import BinaryIO

from aevp.data.archive import ImportLimits
from aevp.data.cache import read_arrays, read_string, write_arrays
from aevp.data.catalog import DATASET_NAMES, SPLITS
from aevp.data.dataset import Dataset, DatasetStatus
from aevp.data.errors import DataError, DatasetExists, ImportRefused, NotImported, SourceError
from aevp.data.importer import Imported, import_images
from aevp.data.progress import Reporter
from aevp.data.verify import checksums_of, verify_splits
from aevp.ml.spec import DATASET_NAME_PATTERN

NAME_PATTERN = DATASET_NAME_PATTERN  # ModelSpec.dataset takes the same names
USER_FOLDER = "user"
_MANIFEST = "manifest"
_FORMAT = 1
_lock = threading.Lock()  # one writer at a time per process: the name check and the rename go together


def user_path(data_dir: Path, name: str) -> Path:
    """Where an imported dataset's file lives."""
    return Path(data_dir) / USER_FOLDER / f"{name}.npz"


def check_new_name(name: str) -> None:
    """Raise ImportRefused unless `name` fits the pattern; DatasetExists if a built-in dataset has it."""
    if not re.fullmatch(NAME_PATTERN, name):
        raise ImportRefused(
            f"dataset name {name!r} must be 1 to 40 lower-case letters, digits and '-', starting with a letter or digit"
        )
    if name in DATASET_NAMES:
        raise DatasetExists(f"{name!r} is a built-in dataset; choose another name")


def user_names(data_dir: Path) -> tuple[str, ...]:
    """The imported datasets' names, sorted (files whose name does not fit the pattern are ignored)."""
    folder = Path(data_dir) / USER_FOLDER
    if not folder.is_dir():
        return ()
    names = (path.stem for path in folder.glob("*.npz") if path.is_file())
    return tuple(sorted(n for n in names if re.fullmatch(NAME_PATTERN, n) and n not in DATASET_NAMES))


def is_imported(data_dir: Path, name: str) -> bool:
    return bool(re.fullmatch(NAME_PATTERN, name)) and name not in DATASET_NAMES and user_path(data_dir, name).is_file()


def _manifest(text: str) -> dict:
    """The parsed manifest; raises ValueError unless it has the expected shape."""
    manifest = json.loads(text)
    classes, checksums = manifest.get("classes"), manifest.get("checksums")
    if manifest.get("format") != _FORMAT or not isinstance(classes, list) or not classes:
        raise ValueError("the manifest has no class names")
    if not all(isinstance(c, str) for c in classes) or not isinstance(checksums, dict):
        raise ValueError("the manifest is malformed")
    if set(checksums) != set(SPLITS):
        raise ValueError("the manifest lacks checksums")
    return manifest


def user_class_names(data_dir: Path, name: str) -> tuple[str, ...]:
    """An imported dataset's class names (reads only its manifest); raises DataError if unreadable."""
    try:
        return tuple(_manifest(read_string(user_path(data_dir, name), _MANIFEST))["classes"])
    except (OSError, ValueError) as exc:
        raise DataError(f"the imported dataset {name} cannot be read ({exc})") from exc


def load_user_dataset(data_dir: Path, name: str) -> Dataset:
    """The imported dataset, verified against its manifest; raises DataError otherwise."""
    path = user_path(data_dir, name)
    try:
        entry = read_arrays(path)
        manifest = _manifest(entry.strings.get(_MANIFEST, ""))
        verify_splits(name, entry.splits, {name: manifest["checksums"]}, len(manifest["classes"]))
    except (OSError, ValueError, SourceError) as exc:
        raise DataError(
            f"The imported dataset {name} ({path}) failed verification ({exc}), so it will not be used. "
            f"Delete it (`aevp data delete {name}`) and import it again."
        ) from exc
    return Dataset(name, *entry.splits, class_names=tuple(manifest["classes"]))


def user_status(data_dir: Path, name: str) -> DatasetStatus:
    """Whether the imported dataset still verifies, its source and sizes; never raises for I/O."""
    path = user_path(data_dir, name)
    try:
        dataset = load_user_dataset(data_dir, name)
        source = read_arrays(path).source
    except (DataError, OSError, ValueError):
        return DatasetStatus(name, path.exists(), False, None, None, None, path)
    return DatasetStatus(name, True, True, source, len(dataset.train_labels), len(dataset.test_labels), path)


def save_user_dataset(data_dir: Path, name: str, imported: Imported, settings: dict | None = None) -> Path:
    """Store an import (atomically); raises DatasetExists when the name is taken."""
    check_new_name(name)
    manifest = {
        "format": _FORMAT,
        "classes": list(imported.class_names),
        "checksums": checksums_of(imported.splits),
        **(settings or {}),
    }
    verify_splits(name, imported.splits, {name: manifest["checksums"]}, len(imported.class_names))
    path = user_path(data_dir, name)
    with _lock:
        if path.exists():
            raise DatasetExists(f"a dataset named {name!r} exists; delete it first or choose another name")
        return write_arrays(
            path, imported.splits, f"import of {imported.description}", {_MANIFEST: json.dumps(manifest)}
        )


def import_dataset(
    source: Path | BinaryIO,
    name: str,
    data_dir: Path,
    limits: ImportLimits,
    *,
    invert: bool = False,
    test_fraction: float = 0.1,
    label: str | None = None,
    progress: bool = False,
) -> tuple[Dataset, list[str]]:
    """Import images as dataset `name`: checked, converted, stored. Returns the dataset and notes for the user.

    Raises ImportRefused (nothing stored) or DatasetExists."""
    check_new_name(name)
    if user_path(data_dir, name).exists():
        raise DatasetExists(f"a dataset named {name!r} exists; delete it first or choose another name")
    with Reporter(progress) as reporter:
        imported = import_images(
            source, limits, invert=invert, test_fraction=test_fraction, label=label, reporter=reporter
        )
    save_user_dataset(data_dir, name, imported, {"invert": invert, "test_fraction": test_fraction})
    return Dataset(name, *imported.splits, class_names=imported.class_names), imported.notes


def delete_user_dataset(data_dir: Path, name: str) -> None:
    """Remove an imported dataset; NotImported for a built-in one, DataError when there is none."""
    if name in DATASET_NAMES:
        raise NotImported(f"{name!r} is a built-in dataset and cannot be deleted")
    if not is_imported(data_dir, name):
        raise DataError(f"no imported dataset named {name!r}")
    with _lock:
        user_path(data_dir, name).unlink(missing_ok=True)
