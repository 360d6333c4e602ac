"""`aevp sweep`: a grid trained with the local executor, the live table's end state, a shipped sweep written."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from aevp.cli import app
from aevp.data import Dataset
from aevp.service.schemas import SweepInfo


@pytest.fixture
def synthetic(monkeypatch, blobs):
    labels = np.zeros(len(blobs[0]), np.uint8)
    data = Dataset("mnist", blobs[0], labels, blobs[1], labels[: len(blobs[1])], tuple("0123456789"))
    monkeypatch.setattr("aevp.data.load_dataset", lambda name, data_dir=None: data)
    return data


def _run(*args):
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_bad_grids_exit_2_with_the_reason(env):
    code, out = _run("sweep", "--grid", "latent_dim")
    assert code == 2 and "FIELD=V1,V2" in out
    code, out = _run("sweep", "--grid", "latent_dim=2,99")
    assert code == 2 and "combination 2 (latent_dim=99)" in out
    code, out = _run("sweep", "--grid", "colour=1")
    assert code == 2 and "not a spec field" in out


def test_sweep_saves_every_model_and_the_shipped_sweep(env, synthetic):
    args = ["--grid", "latent_dim=2,3", "--filters", "4", "--batch-size", "16", "--epochs", "1"]
    code, out = _run("sweep", *args, "--pretrained", "--id", "demo", "--title", "Demo")
    assert code == 0, out
    info = SweepInfo.model_validate_json((env / "pretrained" / "_sweeps" / "demo.json").read_text())
    assert info.pretrained and info.title == "Demo" and info.state == "done"
    assert [j.params for j in info.jobs] == [{"latent_dim": 2}, {"latent_dim": 3}]
    for job in info.jobs:
        assert job.model_id == f"ae-4-l{job.params['latent_dim']}-mnist-demo" and job.psnr and job.psnr > 0
        meta = json.loads((env / "pretrained" / job.model_id / "metrics.json").read_text())
        assert meta["psnr"] == pytest.approx(job.psnr)
    assert out.count("done") >= 2
