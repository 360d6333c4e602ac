import numpy as np
import pytest

from aevp.data.catalog import CHECKSUMS
from aevp.data.errors import SourceError
from aevp.data.verify import Splits, check_structure, checksums_of, sha256_array, verify_splits

from .conftest import make_splits


def test_sha256_is_of_the_raw_c_order_bytes() -> None:
    # Known value: SHA-256 of the three bytes 00 01 02.
    expected = "ae4b3280e56e2faf83f414a6e3dabe9d5fbe18976544c05fed121accb85b53fc"
    assert sha256_array(np.array([0, 1, 2], dtype=np.uint8)) == expected
    grid = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert sha256_array(grid.T) == sha256_array(np.ascontiguousarray(grid.T))


def test_matching_table_passes(tiny: Splits, tiny_table: dict[str, dict[str, str]]) -> None:
    verify_splits("mnist", tiny, tiny_table)


def test_one_flipped_pixel_is_caught_and_named(tiny: Splits, tiny_table: dict[str, dict[str, str]]) -> None:
    images = tiny.test_images.copy()
    images[0, 0, 0] ^= 1
    with pytest.raises(SourceError, match="checksum mismatch for test images$"):
        verify_splits("mnist", tiny._replace(test_images=images), tiny_table)


def test_the_other_datasets_files_are_recognised(tiny: Splits) -> None:
    table = {"mnist": checksums_of(make_splits(seed=1)), "fashion-mnist": checksums_of(tiny)}
    with pytest.raises(SourceError, match=r"\(they are fashion-mnist\)"):
        verify_splits("mnist", tiny, table)


def test_unknown_dataset_in_table(tiny: Splits) -> None:
    with pytest.raises(SourceError, match="no checksums known"):
        verify_splits("mnist", tiny, {})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s._replace(train_images=s.train_images.astype(np.float32)), "dtype float32"),
        (lambda s: s._replace(test_images=s.test_images.reshape(-1, 784)), r"shape \(5, 784\)"),
        (lambda s: s._replace(train_labels=s.train_labels[:-1]), "train labels have shape"),
        (lambda s: s._replace(test_labels=np.full_like(s.test_labels, 10)), "labels go up to 10"),
    ],
)
def test_structure_is_checked_before_checksums(tiny: Splits, change, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        check_structure("mnist", change(tiny))


def test_real_table_is_complete() -> None:
    assert set(CHECKSUMS) == {"mnist", "fashion-mnist"}
    for table in CHECKSUMS.values():
        assert set(table) == {"train_images", "train_labels", "test_images", "test_labels"}
        assert all(len(value) == 64 and int(value, 16) >= 0 for value in table.values())
