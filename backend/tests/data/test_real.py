"""The real datasets, where `aevp data fetch` (or `make setup`) has cached them; skipped otherwise.

Expected numbers are the ones docs/data.md lists, checked on the registry copies.
"""

import time

import numpy as np
import pytest

from aevp.data import CLASS_NAMES, dataset_status, load_dataset
from aevp.settings import Settings

# Read before the autouse fixture points AEVP_DATA_DIR at a temporary folder.
REAL_DATA_DIR = Settings().data_dir


def _real(name: str):
    if not dataset_status(name, REAL_DATA_DIR).verified:
        pytest.skip(f"the real {name} is not cached in {REAL_DATA_DIR}; run `aevp data fetch`")
    start = time.perf_counter()
    dataset = load_dataset(name, REAL_DATA_DIR)
    return dataset, time.perf_counter() - start


def _check_common(dataset) -> None:
    assert dataset.train_images.shape == (60000, 28, 28)
    assert dataset.test_images.shape == (10000, 28, 28)
    assert dataset.train_labels.shape == (60000,)
    assert dataset.test_labels.shape == (10000,)
    for array in (dataset.train_images, dataset.train_labels, dataset.test_images, dataset.test_labels):
        assert array.dtype == np.uint8


def test_real_mnist() -> None:
    dataset, seconds = _real("mnist")
    _check_common(dataset)
    assert dataset.class_names == CLASS_NAMES["mnist"]
    assert np.bincount(dataset.train_labels).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    assert np.bincount(dataset.test_labels).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]
    assert dataset.train_labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    pixels = dataset.train_images / 255.0
    assert pixels.mean() == pytest.approx(0.1307, abs=5e-5)
    assert pixels.std() == pytest.approx(0.3081, abs=5e-5)
    assert seconds < 5  # about 0.1 s on a laptop; generous for loaded CI machines


def test_real_fashion_mnist() -> None:
    dataset, seconds = _real("fashion-mnist")
    _check_common(dataset)
    assert dataset.class_names[0] == "T-shirt/top" and dataset.class_names[9] == "Ankle boot"
    assert np.bincount(dataset.train_labels).tolist() == [6000] * 10
    assert np.bincount(dataset.test_labels).tolist() == [1000] * 10
    assert dataset.train_labels[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    pixels = dataset.train_images / 255.0
    assert pixels.mean() == pytest.approx(0.2860, abs=5e-5)
    assert pixels.std() == pytest.approx(0.3530, abs=5e-5)
    assert seconds < 5


def test_real_quickdraw() -> None:
    dataset, seconds = _real("quickdraw")
    assert dataset.train_images.shape == (31050, 28, 28) and dataset.test_images.shape == (3450, 28, 28)
    assert dataset.train_images.dtype == np.uint8 and dataset.train_labels.dtype == np.uint16
    assert len(dataset.class_names) == 345 and dataset.class_names == CLASS_NAMES["quickdraw"]
    assert dataset.class_names[:3] == ("The Eiffel Tower", "The Great Wall of China", "The Mona Lisa")
    assert dataset.class_names[-1] == "zigzag"
    # 90 training and 10 test drawings of every category, in category order.
    assert np.bincount(dataset.train_labels).tolist() == [90] * 345
    assert np.bincount(dataset.test_labels).tolist() == [10] * 345
    assert np.all(np.diff(dataset.test_labels.astype(int)) >= 0)
    pixels = dataset.train_images / 255.0
    assert pixels.mean() == pytest.approx(0.1497, abs=5e-5)
    assert pixels.std() == pytest.approx(0.3108, abs=5e-5)
    assert seconds < 5
