"""Importing a user's images: class folders (a folder or a zip), IDX files, the split, and what is stored."""

import io
from pathlib import Path

import numpy as np
import pytest

from aevp.data import (
    DataError,
    DatasetExists,
    ImportLimits,
    ImportRefused,
    NotImported,
    class_names,
    dataset_names,
    dataset_status,
    delete_user_dataset,
    import_dataset,
    load_dataset,
)
from aevp.data.catalog import IDX_FILES
from aevp.data.idx import encode_idx
from aevp.data.importer import split_positions
from aevp.data.userdata import user_path

from .conftest import make_splits
from .images import SHAPES, shape_files, write_folder, zip_bytes

LIMITS = ImportLimits()


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(image.shape)
    mass = image.sum()
    return float((ys * image).sum() / mass), float((xs * image).sum() / mass)


def test_a_folder_of_pngs_becomes_a_verified_dataset(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "shapes", shape_files(12))
    dataset, notes = import_dataset(folder, "shapes", tmp_path / "cache", LIMITS, invert=True, test_fraction=0.25)
    assert notes == []
    assert dataset.class_names == SHAPES
    # 12 per class, a quarter (3) of each class tests: 27 train, 9 test, labels by sorted folder name.
    assert dataset.train_images.shape == (27, 28, 28) and dataset.test_images.shape == (9, 28, 28)
    assert dataset.train_images.dtype == np.uint8 and dataset.train_labels.dtype == np.uint8
    assert np.bincount(dataset.train_labels).tolist() == [9, 9, 9]
    assert np.bincount(dataset.test_labels).tolist() == [3, 3, 3]
    # Stored, listed, and loaded again through the same functions as the built-in datasets.
    cache = tmp_path / "cache"
    assert dataset_names(cache) == ("mnist", "fashion-mnist", "quickdraw", "shapes")
    assert class_names("shapes", cache) == SHAPES
    loaded = load_dataset("shapes", cache)
    np.testing.assert_array_equal(loaded.test_images, dataset.test_images)
    status = dataset_status("shapes", cache)
    assert (status.cached, status.verified, status.train_size, status.test_size) == (True, True, 27, 9)
    assert status.source.startswith("import of 36 images in 3 class folders from folder ")


def test_images_are_made_the_mnist_way(tmp_path: Path) -> None:
    dataset, _ = import_dataset(write_folder(tmp_path / "s", shape_files(6)), "s", tmp_path, LIMITS, invert=True)
    for image in np.concatenate([dataset.train_images, dataset.test_images]):
        rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
        # The ink fits 20x20 (its longer side is 20, give or take the anti-aliased edge) ...
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (20, 21)
        # ... light on dark, stretched to full range, with its centre of mass at the centre (13.5) within 1 px.
        assert image.max() >= 250 and image[0].max() == 0
        cy, cx = centre_of_mass(image.astype(np.float64))
        assert abs(cy - 13.5) <= 1.0 and abs(cx - 13.5) <= 1.0


def test_a_zip_gives_the_same_arrays_as_the_folder(tmp_path: Path) -> None:
    files = shape_files(8)
    from_folder, _ = import_dataset(write_folder(tmp_path / "f", files), "a", tmp_path / "c", LIMITS)
    # Inside one wrapping folder, as zipping a folder usually makes it; macOS junk is skipped.
    wrapped = {f"shapes/{name}": data for name, data in files.items()} | {"__MACOSX/shapes/._x.png": b"junk"}
    from_zip, notes = import_dataset(io.BytesIO(zip_bytes(wrapped)), "b", tmp_path / "c", LIMITS)
    assert from_zip.class_names == from_folder.class_names
    for a, b in zip(
        (from_zip.train_images, from_zip.train_labels, from_zip.test_images, from_zip.test_labels),
        (from_folder.train_images, from_folder.train_labels, from_folder.test_images, from_folder.test_labels),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)
    assert "skipped 1 hidden or system file(s)" in notes
    # Not inverted: dark ink on white paper; the import says what to do about it.
    assert any("light background" in note and "invert" in note for note in notes)


@pytest.mark.parametrize(
    ("n", "fraction", "positions"),
    [(1, 0.1, []), (2, 0.1, [1]), (10, 0.1, [5]), (10, 0.2, [2, 7]), (12, 0.25, [2, 6, 10]), (3, 0.9, [0, 2])],
)
def test_the_split_is_deterministic_and_evenly_spaced(n: int, fraction: float, positions: list[int]) -> None:
    assert split_positions(n, fraction) == positions


def test_idx_files_in_a_zip_keep_their_split(tmp_path: Path) -> None:
    splits = make_splits(n_train=20, n_test=6, n_classes=4)
    files = {f"mine/{IDX_FILES[key]}": encode_idx(array) for key, array in zip(IDX_FILES, splits, strict=True)}
    dataset, _ = import_dataset(io.BytesIO(zip_bytes(files)), "idx", tmp_path, LIMITS, invert=True)
    np.testing.assert_array_equal(dataset.train_images, 255 - splits.train_images)
    np.testing.assert_array_equal(dataset.test_labels, splits.test_labels)
    assert dataset.class_names == tuple(str(k) for k in range(int(splits.train_labels.max()) + 1))


def test_more_than_256_classes_get_16_bit_labels(tmp_path: Path) -> None:
    image = shape_files(1)["circle/000.jpeg"]
    files = {f"c{k:03d}/{i}.jpeg": image for k in range(300) for i in range(2)}
    dataset, _ = import_dataset(io.BytesIO(zip_bytes(files)), "many", tmp_path, LIMITS)
    assert dataset.train_labels.dtype == np.uint16 and len(dataset.class_names) == 300
    assert load_dataset("many", tmp_path).test_labels.tolist() == list(range(300))


def test_names_taken_or_malformed_are_refused_before_reading(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "s", shape_files(3))
    with pytest.raises(DatasetExists, match="'quickdraw' is a built-in dataset"):
        import_dataset(folder, "quickdraw", tmp_path, LIMITS)
    for bad in ("Shapes", "-x", "a/b", "x" * 41, ""):
        with pytest.raises(ImportRefused, match="must be 1 to 40 lower-case letters"):
            import_dataset(folder, bad, tmp_path, LIMITS)
    import_dataset(folder, "s", tmp_path, LIMITS)
    with pytest.raises(DatasetExists, match="a dataset named 's' exists"):
        import_dataset(folder, "s", tmp_path, LIMITS)


def test_a_corrupted_import_is_refused_on_load(tmp_path: Path) -> None:
    import_dataset(write_folder(tmp_path / "s", shape_files(4)), "s", tmp_path, LIMITS)
    path = user_path(tmp_path, "s")
    with np.load(path) as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays["train_images"][0, 14, 14] ^= 0x80
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=r"failed verification \(checksum mismatch for train images\)"):
        load_dataset("s", tmp_path)
    assert dataset_status("s", tmp_path).verified is False


def test_delete(tmp_path: Path) -> None:
    import_dataset(write_folder(tmp_path / "s", shape_files(3)), "s", tmp_path, LIMITS)
    with pytest.raises(NotImported, match="built-in"):
        delete_user_dataset(tmp_path, "mnist")
    delete_user_dataset(tmp_path, "s")
    assert dataset_names(tmp_path) == ("mnist", "fashion-mnist", "quickdraw")
    with pytest.raises(DataError, match="no imported dataset named 's'"):
        delete_user_dataset(tmp_path, "s")
    with pytest.raises(DataError, match=r"Unknown dataset 's'.*`aevp data import PATH --name NAME`"):
        load_dataset("s", tmp_path)
