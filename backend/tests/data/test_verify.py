import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from aevp.data.catalog import CHECKSUMS, SPLITS
from aevp.data.errors import SourceError
from aevp.data.verify import Splits, check_structure, checksums_of, sha256_array, verify_splits

from .conftest import make_splits


def test_sha256_is_of_the_raw_c_order_bytes() -> None:
    # Known value: SHA-256 of the three bytes 00 01 02.
    expected = "ae4b3280e56e2faf83f414a6e3dabe9d5fbe18976544c05fed121accb85b53fc"
    assert sha256_array(np.array([0, 1, 2], dtype=np.uint8)) == expected
    # A transposed (Fortran-order) view hashes its C-order bytes 0 3 1 4 2 5, not its memory 0 1 2 3 4 5.
    grid = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert sha256_array(grid.T) == hashlib.sha256(bytes([0, 3, 1, 4, 2, 5])).hexdigest()
    assert sha256_array(grid.T) != sha256_array(grid)


@pytest.mark.parametrize("split", SPLITS)
def test_the_matching_table_passes_and_a_wrong_entry_is_named(
    tiny: Splits, tiny_table: dict[str, dict[str, str]], split: str
) -> None:
    assert verify_splits("mnist", tiny, tiny_table) is None  # the table the arrays hash to: no error
    wrong = {"mnist": {**tiny_table["mnist"], split: "0" * 64}}
    with pytest.raises(SourceError, match=f"checksum mismatch for {split.replace('_', ' ')}$"):
        verify_splits("mnist", tiny, wrong)


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
def test_structure_is_checked_before_checksums(tiny: Splits, tiny_table, change, message: str) -> None:
    # Through verify_splits: a structure error is reported as such, not as a checksum mismatch (and the
    # reshaped images, whose bytes are unchanged, would pass the checksums).
    with pytest.raises(SourceError, match=message):
        verify_splits("mnist", change(tiny), tiny_table)
    with pytest.raises(SourceError, match=message):
        check_structure("mnist", change(tiny))
    check_structure("mnist", tiny)  # the unchanged arrays pass


def test_real_table_is_complete_and_documented() -> None:
    assert set(CHECKSUMS) == {"mnist", "fashion-mnist", "quickdraw"}
    values = [value for table in CHECKSUMS.values() for value in table.values()]
    for table in CHECKSUMS.values():
        assert set(table) == set(SPLITS)
    assert all(re.fullmatch("[0-9a-f]{64}", value) for value in values)
    assert len(set(values)) == len(values)  # no split's entry was copied into another's
    # docs/data.md carries the same table, one row per dataset and split.
    doc = (Path(__file__).parents[3] / "docs" / "data.md").read_text()
    rows = re.findall(r"^\| (\S+) \| (\w+ \w+) \| `([0-9a-f]{64})` \|$", doc, re.MULTILINE)
    assert {(name, split.replace(" ", "_")): value for name, split, value in rows} == {
        (name, split): value for name, table in CHECKSUMS.items() for split, value in table.items()
    }
