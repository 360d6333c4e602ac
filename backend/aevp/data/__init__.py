"""Datasets: MNIST and Fashion-MNIST from several sources, verified against known checksums, cached locally.

See docs/data.md. `load_dataset` reads only the verified cache; `fetch_dataset` fills it.
"""

from aevp.data.api import Dataset, DatasetStatus, dataset_status, fetch_dataset, load_dataset
from aevp.data.catalog import CHECKSUMS, CLASS_NAMES, DATASET_NAMES
from aevp.data.errors import DataError

__all__ = [
    "CHECKSUMS",
    "CLASS_NAMES",
    "DATASET_NAMES",
    "DataError",
    "Dataset",
    "DatasetStatus",
    "dataset_status",
    "fetch_dataset",
    "load_dataset",
]
