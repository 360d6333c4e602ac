"""Checking decoded arrays: dtype, shapes, label range and SHA-256 against a table."""

import hashlib
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from aevp.data.catalog import CHECKSUMS, CLASS_NAMES, IMAGE_SHAPE, SPLITS
from aevp.data.errors import SourceError

Checksums = Mapping[str, Mapping[str, str]]


class Splits(NamedTuple):
    """The four arrays of a dataset; field names match catalog.SPLITS."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


assert Splits._fields == SPLITS


def sha256_array(array: np.ndarray) -> str:
    """SHA-256 of an array's raw bytes in C order."""
    return hashlib.sha256(np.ascontiguousarray(array).data).hexdigest()


def checksums_of(splits: Splits) -> dict[str, str]:
    """The checksum of each split, keyed by split name."""
    return {key: sha256_array(array) for key, array in zip(SPLITS, splits, strict=True)}


def label_dtype(n_classes: int) -> np.dtype:
    """Labels are uint8 up to 256 classes, else uint16 (QuickDraw has 345): one dtype per class count, so
    the checksums of the labels are well defined."""
    return np.dtype(np.uint8) if n_classes <= 256 else np.dtype("<u2")


def check_structure(name: str, splits: Splits, n_classes: int | None = None) -> None:
    """Raise SourceError unless the arrays are uint8 images N x 28 x 28 with N labels in range.

    `n_classes` defaults to the catalog's count for a built-in dataset; an imported one passes its own."""
    n_classes = len(CLASS_NAMES[name]) if n_classes is None else n_classes
    for part in ("train", "test"):
        images, labels = getattr(splits, f"{part}_images"), getattr(splits, f"{part}_labels")
        for key, array, dtype in (
            (f"{part} images", images, np.dtype(np.uint8)),
            (f"{part} labels", labels, label_dtype(n_classes)),
        ):
            if array.dtype != dtype:
                raise SourceError(f"{key} have dtype {array.dtype}, expected {dtype}")
        if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
            raise SourceError(f"{part} images have shape {images.shape}, expected (N, 28, 28)")
        if labels.shape != images.shape[:1]:
            raise SourceError(f"{part} labels have shape {labels.shape}, expected ({images.shape[0]},)")
        if labels.size and int(labels.max()) >= n_classes:
            raise SourceError(f"{part} labels go up to {int(labels.max())}; {name} has {n_classes} classes")


def verify_splits(
    name: str, splits: Splits, expected: Checksums = CHECKSUMS, n_classes: int | None = None
) -> None:
    """Raise SourceError unless the arrays are well formed and hash to the expected table."""
    check_structure(name, splits, n_classes)
    table = expected.get(name)
    if table is None:
        raise SourceError(f"no checksums known for {name}")
    actual = checksums_of(splits)
    wrong = [key.replace("_", " ") for key in SPLITS if actual[key] != table.get(key)]
    if wrong:
        other = _matching_dataset(actual, expected)
        hint = f" (they are {other})" if other and other != name else ""
        raise SourceError(f"checksum mismatch for {', '.join(wrong)}{hint}")


def _matching_dataset(actual: Mapping[str, str], expected: Checksums) -> str | None:
    # Helps the common mistake of pointing --from at the other dataset's folder.
    for other, table in expected.items():
        if all(actual[key] == table.get(key) for key in SPLITS):
            return other
    return None
