"""Fixtures for the data tests: tiny synthetic datasets written as IDX files, and a sealed environment."""

from pathlib import Path

import numpy as np
import pytest

from aevp.data.catalog import IDX_FILES, SPLITS
from aevp.data.idx import write_idx
from aevp.data.verify import Splits, checksums_of


def make_splits(seed: int = 0, n_train: int = 12, n_test: int = 5, n_classes: int = 10) -> Splits:
    """A tiny dataset shaped like the real ones (uint8 images N x 28 x 28, uint8 labels)."""
    rng = np.random.default_rng(seed)
    return Splits(
        rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        rng.integers(0, n_classes, n_train, dtype=np.uint8),
        rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        rng.integers(0, n_classes, n_test, dtype=np.uint8),
    )


def write_idx_folder(directory: Path, splits: Splits, *, gz: bool = True) -> Path:
    """The four standard IDX files of `splits` in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for key, array in zip(SPLITS, splits, strict=True):
        write_idx(directory / (IDX_FILES[key] + (".gz" if gz else "")), array)
    return directory


@pytest.fixture(autouse=True)
def sealed_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reaches the network or the user's real cache: offline mode, cache and sources in tmp_path."""
    monkeypatch.setenv("AEVP_DATA_OFFLINE", "1")
    monkeypatch.setenv("AEVP_DATA_DIR", str(tmp_path / "default-cache"))
    monkeypatch.delenv("AEVP_DATA_SOURCE_DIR", raising=False)


@pytest.fixture
def tiny() -> Splits:
    return make_splits()


@pytest.fixture
def tiny_table(tiny: Splits) -> dict[str, dict[str, str]]:
    """A checksum table under which `tiny` is the real MNIST."""
    return {"mnist": checksums_of(tiny)}


@pytest.fixture
def tiny_folder(tmp_path: Path, tiny: Splits) -> Path:
    return write_idx_folder(tmp_path / "idx", tiny)
