"""A user's images to a dataset: class folders of PNG/JPEG, or the four IDX files, from a zip or a folder.

* Class folders: the archive's (or folder's) top-level folders are the classes (one wrapping folder is
  looked through); every image below a class folder belongs to it. Each image becomes 28x28 grey the MNIST
  way (imageprep.py). Classes are sorted by name (label = position); in each, images sorted by path are
  split deterministically: `round(n * test_fraction)` of them (at least one when the class has two or
  more), evenly spaced, go to the test set.
* IDX: the four standard files (`train-images-idx3-ubyte[.gz]`, ...; 28x28 uint8 images), in one folder,
  used with their own split; class names are the label numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from aevp.data.archive import Entry, ImportLimits, Reader, gunzip, is_junk, open_reader
from aevp.data.catalog import IDX_FILES, SPLITS
from aevp.data.errors import ImportRefused
from aevp.data.idx import IdxError, decode_idx
from aevp.data.imageprep import decode_grey, mnist_style
from aevp.data.progress import Reporter
from aevp.data.verify import Splits, label_dtype

MAX_CLASS_NAME = 64


@dataclass
class Imported:
    """What an import produced: the arrays, the class names, what was read and anything worth saying."""

    splits: Splits
    class_names: tuple[str, ...]
    description: str
    notes: list[str] = field(default_factory=list)


def import_images(
    source: Path | BinaryIO,
    limits: ImportLimits,
    *,
    invert: bool = False,
    test_fraction: float = 0.1,
    label: str | None = None,
    reporter: Reporter | None = None,
) -> Imported:
    """Read, check and convert; raises ImportRefused (with the reason) for anything unsafe or unusable."""
    if not 0 < test_fraction < 1:
        raise ImportRefused(f"test fraction {test_fraction} must be between 0 and 1")
    reporter = reporter or Reporter(enabled=False)
    with open_reader(source, limits, label) as reader:
        files = [entry for entry in reader.entries if not is_junk(entry.path)]
        skipped = len(reader.entries) - len(files)
        idx = _find_idx(files)
        if idx is not None:
            imported = _from_idx(reader, idx, invert)
        else:
            imported = _from_class_folders(reader, files, invert, test_fraction, reporter)
    if skipped:
        imported.notes.append(f"skipped {skipped} hidden or system file(s)")
    return imported


def _idx_names() -> dict[str, str]:
    names = {}
    for key, base in IDX_FILES.items():
        dotted = base.replace("-idx", ".idx")
        for name in (base, base + ".gz", dotted, dotted + ".gz"):
            names[name] = key
    return names


def _find_idx(files: list[Entry]) -> dict[str, Entry] | None:
    """The four IDX files by split, when the archive holds IDX files (all four in one folder) at all."""
    names = _idx_names()
    found = [entry for entry in files if entry.path.rsplit("/", 1)[-1] in names]
    if not found:
        return None
    folder = found[0].path.rpartition("/")[0]
    by_split = {names[e.path.rsplit("/", 1)[-1]]: e for e in found if e.path.rpartition("/")[0] == folder}
    missing = [IDX_FILES[key] for key in SPLITS if key not in by_split]
    if missing:
        raise ImportRefused(f"IDX files found, but not {', '.join(missing)} (all four must be in one folder)")
    return by_split


def _from_idx(reader: Reader, files: dict[str, Entry], invert: bool) -> Imported:
    limits = reader.limits
    arrays = {}
    for key in SPLITS:
        entry = files[key]
        data = reader.read(entry)
        if data[:2] == b"\x1f\x8b":
            data = gunzip(data, entry.path, reader)
        try:
            arrays[key] = decode_idx(data)
        except IdxError as exc:
            raise ImportRefused(f"{entry.path}: {exc}") from exc
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ImportRefused(f"the {part} images are {images.dtype} {images.shape}; expected uint8 N x 28 x 28")
        if labels.ndim != 1 or labels.dtype.kind not in "iu" or len(labels) != len(images):
            raise ImportRefused(f"the {part} labels must be {len(images)} integers, one per image")
        if labels.size and labels.min() < 0:
            raise ImportRefused(f"the {part} labels include negative values")
    count = len(arrays["train_images"]) + len(arrays["test_images"])
    if count > limits.max_images:
        raise ImportRefused(_too_many_images(count, limits), too_large=True)
    if not len(arrays["train_images"]) or not len(arrays["test_images"]):
        raise ImportRefused("the train and the test set each need at least one image")
    n_classes = int(max(arrays["train_labels"].max(), arrays["test_labels"].max())) + 1
    _check_class_count(n_classes, limits)
    dtype = label_dtype(n_classes)

    def images(key: str) -> np.ndarray:
        return 255 - arrays[key] if invert else arrays[key]

    splits = Splits(
        images("train_images"),
        arrays["train_labels"].astype(dtype),
        images("test_images"),
        arrays["test_labels"].astype(dtype),
    )
    names = tuple(str(k) for k in range(n_classes))
    return Imported(splits, names, f"IDX files from {reader.label}")


def _too_many_images(count: int, limits: ImportLimits) -> str:
    return f"{count:,} images, over the limit of {limits.max_images:,} (AEVP_IMPORT_MAX_IMAGES)"


def _check_class_count(count: int, limits: ImportLimits) -> None:
    if count > limits.max_classes:
        raise ImportRefused(f"{count:,} classes, over the limit of {limits.max_classes:,} (AEVP_IMPORT_MAX_CLASSES)")


def _classes(files: list[Entry]) -> dict[str, list[Entry]]:
    """Files grouped by class folder (one wrapping folder looked through); refuses files outside a class."""
    firsts = {entry.path.split("/", 1)[0] for entry in files}
    strip = len(firsts) == 1 and all(entry.path.count("/") >= 2 for entry in files)
    classes: dict[str, list[Entry]] = {}
    for entry in files:
        path = entry.path.split("/", 1)[1] if strip else entry.path
        if "/" not in path:
            raise ImportRefused(
                f"{entry.path} is not in a class folder: the archive's top-level folders are the classes"
            )
        name = path.split("/", 1)[0]
        if len(name) > MAX_CLASS_NAME or not name.isprintable():
            raise ImportRefused(f"class folder name {name[:MAX_CLASS_NAME]!r}... is too long or not printable")
        classes.setdefault(name, []).append(entry)
    return {name: sorted(classes[name], key=lambda e: e.path) for name in sorted(classes)}


def split_positions(n: int, fraction: float) -> list[int]:
    """Which of a class's n images (in path order) go to the test set: evenly spaced, deterministic."""
    if n < 2:
        return []
    n_test = min(max(round(n * fraction), 1), n - 1)
    return [math.floor((k + 0.5) * n / n_test) for k in range(n_test)]


def _from_class_folders(
    reader: Reader, files: list[Entry], invert: bool, fraction: float, reporter: Reporter
) -> Imported:
    limits = reader.limits
    if not files:
        raise ImportRefused(f"{reader.label} holds no images")
    if len(files) > limits.max_images:
        raise ImportRefused(_too_many_images(len(files), limits), too_large=True)
    classes = _classes(files)
    _check_class_count(len(classes), limits)
    dtype = label_dtype(len(classes))
    parts: dict[str, list[np.ndarray]] = {"train_images": [], "train_labels": [], "test_images": [], "test_labels": []}
    bright_borders = 0
    with reporter.step(f"converting {len(files):,} images to 28x28 grey", total=len(files)) as step:
        for label, entries in enumerate(classes.values()):
            test = set(split_positions(len(entries), fraction))
            for position, entry in enumerate(entries):
                grey = decode_grey(reader.read(entry), entry.path, limits.max_pixels)
                bright_borders += float(np.median(np.concatenate([grey[0], grey[-1]]))) > 127
                part = "test" if position in test else "train"
                parts[f"{part}_images"].append(mnist_style(grey, invert))
                parts[f"{part}_labels"].append(label)
                step.advance(1)
    if not parts["train_images"] or not parts["test_images"]:
        raise ImportRefused("too few images: a class needs at least two (one to train on, one to test)")
    splits = Splits(
        np.stack(parts["train_images"]),
        np.asarray(parts["train_labels"], dtype),
        np.stack(parts["test_images"]),
        np.asarray(parts["test_labels"], dtype),
    )
    notes = []
    if (bright_borders > len(files) / 2) != invert:
        background, flag = ("light", "invert") if not invert else ("dark", "no invert")
        notes.append(
            f"most images have a {background} background; MNIST-style data is light ink on a dark background: "
            f"consider importing again with {flag}"
        )
    description = f"{len(files):,} images in {len(classes)} class folders from {reader.label}"
    return Imported(splits, tuple(classes), description, notes)
