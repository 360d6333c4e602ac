from pathlib import Path

import numpy as np
import pytest

from aevp.data.errors import SourceError
from aevp.data.progress import Reporter
from aevp.data.sources.folder import FolderSource, find_idx_files
from aevp.data.verify import Splits

from ..conftest import write_idx_folder

QUIET = Reporter(enabled=False)


@pytest.mark.parametrize("gz", [True, False])
def test_reads_the_four_files_gzipped_or_not(tmp_path: Path, tiny: Splits, gz: bool) -> None:
    write_idx_folder(tmp_path, tiny, gz=gz)
    splits, description = FolderSource("mnist", tmp_path).read(QUIET)
    assert description == f"folder {tmp_path}"
    for got, want in zip(splits, tiny, strict=True):
        np.testing.assert_array_equal(got, want)


def test_prefers_a_subfolder_named_after_the_dataset(tmp_path: Path, tiny: Splits) -> None:
    write_idx_folder(tmp_path / "fashion-mnist", tiny)
    splits, description = FolderSource("fashion-mnist", tmp_path).read(QUIET)
    assert description == f"folder {tmp_path / 'fashion-mnist'}"
    np.testing.assert_array_equal(splits.test_labels, tiny.test_labels)


def test_accepts_the_dotted_names_some_unpackers_write(tmp_path: Path, tiny: Splits) -> None:
    write_idx_folder(tmp_path, tiny, gz=False)
    for path in tmp_path.iterdir():
        path.rename(path.with_name(path.name.replace("-idx", ".idx")))
    assert find_idx_files(tmp_path)["train_images"].name == "train-images.idx3-ubyte"


def test_names_the_missing_files(tmp_path: Path, tiny: Splits) -> None:
    write_idx_folder(tmp_path, tiny)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(
        SourceError, match=r"lacks t10k-labels-idx1-ubyte\[\.gz\], and has no mnist/ subfolder$"
    ):
        FolderSource("mnist", tmp_path).read(QUIET)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is not a folder"):
        FolderSource("mnist", tmp_path / "nope").read(QUIET)


def test_malformed_file_is_a_source_error_naming_it(tmp_path: Path, tiny: Splits) -> None:
    write_idx_folder(tmp_path, tiny)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"\x00\x00\x08\x01\x00")
    with pytest.raises(SourceError, match="train-labels-idx1-ubyte.gz: header declares 1 dimensions"):
        FolderSource("mnist", tmp_path).read(QUIET)
