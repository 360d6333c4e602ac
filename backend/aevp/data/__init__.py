"""Datasets: MNIST, Fashion-MNIST and QuickDraw from several sources, verified against known checksums, cached
locally; and the user's own images, imported into the same cache.

See docs/data.md. `load_dataset` reads only the verified cache; `fetch_dataset` fills it; `import_dataset`
adds a user's dataset.
"""

from aevp.data.api import class_names, dataset_names, dataset_status, fetch_dataset, load_dataset
from aevp.data.archive import ImportLimits
from aevp.data.catalog import CHECKSUMS, CLASS_NAMES, CREDITS, DATASET_NAMES, TITLES
from aevp.data.dataset import Dataset, DatasetStatus
from aevp.data.errors import DataError, DatasetExists, ImportRefused, NotImported
from aevp.data.userdata import NAME_PATTERN, delete_user_dataset, import_dataset, is_imported

__all__ = [
    "CHECKSUMS",
    "CLASS_NAMES",
    "CREDITS",
    "DATASET_NAMES",
    "NAME_PATTERN",
    "TITLES",
    "DataError",
    "Dataset",
    "DatasetExists",
    "DatasetStatus",
    "ImportLimits",
    "ImportRefused",
    "NotImported",
    "class_names",
    "dataset_names",
    "dataset_status",
    "delete_user_dataset",
    "fetch_dataset",
    "import_dataset",
    "is_imported",
    "load_dataset",
]
