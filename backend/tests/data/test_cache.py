import zipfile
from pathlib import Path

import numpy as np
import pytest

from aevp.data.cache import cache_path, read_cache, write_cache
from aevp.data.verify import Splits


def test_round_trip_keeps_arrays_and_source(tmp_path: Path, tiny: Splits) -> None:
    path = write_cache(tmp_path / "cache", "mnist", tiny, "folder /somewhere")
    assert path == cache_path(tmp_path / "cache", "mnist") == tmp_path / "cache" / "mnist.npz"
    entry = read_cache(tmp_path / "cache", "mnist")
    assert entry.source == "folder /somewhere"
    for got, want in zip(entry.splits, tiny, strict=True):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)


def test_cache_is_a_plain_npz_without_pickles(tmp_path: Path, tiny: Splits) -> None:
    path = write_cache(tmp_path, "mnist", tiny, "x")
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["source", "test_images", "test_labels", "train_images", "train_labels"]
    assert [p.name for p in tmp_path.iterdir()] == ["mnist.npz"]  # no temporary file left behind


def test_a_failed_write_leaves_the_old_cache_intact(tmp_path: Path, tiny: Splits) -> None:
    write_cache(tmp_path, "mnist", tiny, "first")
    broken = tiny._replace(test_labels=object())  # np.savez cannot store it without pickle
    with pytest.raises(ValueError):
        write_cache(tmp_path, "mnist", broken, "second")
    assert read_cache(tmp_path, "mnist").source == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["mnist.npz"]


def test_truncated_cache_raises_value_error(tmp_path: Path, tiny: Splits) -> None:
    path = write_cache(tmp_path, "mnist", tiny, "x")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="unreadable cache"):
        read_cache(tmp_path, "mnist")


def test_pickled_object_arrays_in_the_cache_are_refused(tmp_path: Path, tiny: Splits) -> None:
    arrays = dict(zip(("train_images", "train_labels", "test_images", "test_labels"), tiny, strict=True))
    arrays["test_labels"] = np.array([object()], dtype=object)
    np.savez(cache_path(tmp_path, "mnist"), **arrays)
    with pytest.raises(ValueError, match="allow_pickle"):
        read_cache(tmp_path, "mnist")


def test_missing_cache_raises_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        read_cache(tmp_path, "mnist")


def test_a_zip_missing_a_split_is_unreadable(tmp_path: Path) -> None:
    with zipfile.ZipFile(cache_path(tmp_path, "mnist"), "w") as archive:
        archive.writestr("source.npy", b"")
    with pytest.raises(ValueError):
        read_cache(tmp_path, "mnist")
