import re

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file
from typer.testing import CliRunner

from aevp.cli import app
from aevp.data import Dataset
from aevp.ml import timeline_file

TINY = ["--filters", "4", "--latent-dim", "3", "--batch-size", "32", "--epochs", "1"]


@pytest.fixture
def synthetic(monkeypatch, blobs):
    labels = np.arange(len(blobs[0])) % 10
    data = Dataset("mnist", blobs[0], labels.astype(np.uint8), blobs[1], labels[: len(blobs[1])].astype(np.uint8),
                   tuple("0123456789"))
    for module in ("aevp.cli.train", "aevp.data"):
        monkeypatch.setattr(f"{module}.load_dataset", lambda name, data_dir=None: data)
    return data


def _run(*args):
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_train_records_a_timeline_and_rebuild_writes_one_only_for_the_same_weights(env, synthetic):
    code, out = _run("train", *TINY)
    assert code == 0, out
    folder = env / "models" / re.search(r"Saved (\S+)", out).group(1)
    recorded = (folder / timeline_file.FILE).read_bytes()
    (folder / timeline_file.FILE).unlink()

    code, out = _run("timeline", "rebuild", folder.name)
    assert code == 0, out
    assert "largest weight difference 0;" in out and "Wrote" in out
    rebuilt = timeline_file.read((folder / timeline_file.FILE).read_bytes())
    assert np.array_equal(rebuilt.recon, timeline_file.read(recorded).recon)  # the same run, frame for frame

    weights = load_file(str(folder / "weights.safetensors"))
    weights["output.bias"] = weights["output.bias"] + np.float32(0.5)  # another model under the same spec
    save_file(weights, str(folder / "weights.safetensors"), metadata={"format": "aevp-model-1"})
    (folder / timeline_file.FILE).unlink()
    code, out = _run("timeline", "rebuild", folder.name)
    assert code == 1 and "does not reproduce" in out and "nothing written" in out
    assert not (folder / timeline_file.FILE).exists()
