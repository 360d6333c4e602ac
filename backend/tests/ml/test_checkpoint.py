import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from aevp.ml import checkpoint, folders, steps
from aevp.ml.spec import ModelSpec


@pytest.fixture(scope="module")
def tiny_params(tiny_spec):
    return steps.flatten_params(steps.init_params(tiny_spec)[1])


def test_round_trip_keeps_spec_weights_metrics_and_history(tmp_path, tiny_spec, tiny_params):
    history = {"losses": [0.5, 0.4], "epochs": [{"epoch": 1, "test_loss": 0.3}]}
    model_id = checkpoint.save(tmp_path, tiny_spec, tiny_params, {"psnr": 20.5}, history)
    assert checkpoint.is_valid_id(model_id) and model_id.startswith("ae-4-l3-mnist-")
    ckpt = checkpoint.load(tmp_path / model_id)
    assert ckpt.spec == tiny_spec and ckpt.metrics == {"psnr": 20.5} and ckpt.history == history
    for name, value in tiny_params.items():
        np.testing.assert_array_equal(ckpt.params[name], value)
    assert [c.id for c in checkpoint.list_checkpoints(tmp_path)] == [model_id]
    assert sorted(p.name for p in (tmp_path / model_id).iterdir()) == [
        "history.json", "metrics.json", "spec.json", "weights.safetensors"]


def test_load_rejects_weights_that_do_not_match_the_spec(tmp_path, tiny_spec, tiny_params):
    model_id = checkpoint.save(tmp_path, tiny_spec, tiny_params, {})
    other = ModelSpec(blocks=[{"filters": 5, "kernel": 3}], latent_dim=3)
    (tmp_path / model_id / "spec.json").write_text(other.model_dump_json())
    expected = r"do not match the spec: dec_dense.bias is float32\(784,\), expected float32\(980,\)"
    with pytest.raises(checkpoint.CheckpointError, match=expected):
        checkpoint.load(tmp_path / model_id)


def test_truncated_weights_are_a_checkpoint_error(tmp_path, tiny_spec, tiny_params):
    model_id = checkpoint.save(tmp_path, tiny_spec, tiny_params, {})
    weights = tmp_path / model_id / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(checkpoint.CheckpointError, match="unreadable"):
        checkpoint.load(tmp_path / model_id)


def test_save_refuses_non_finite_weights_and_bad_ids(tmp_path, tiny_spec, tiny_params):
    bad = dict(tiny_params, **{"output.bias": np.array([np.nan], np.float32)})
    with pytest.raises(checkpoint.CheckpointError, match="NaN"):
        checkpoint.save(tmp_path, tiny_spec, bad, {})
    with pytest.raises(checkpoint.CheckpointError, match="invalid model id"):
        checkpoint.save(tmp_path, tiny_spec, tiny_params, {}, model_id="../escape")
    assert list(tmp_path.iterdir()) == []


def test_bundle_round_trip_and_rejections(tmp_path, tiny_spec, tiny_params):
    ckpt = checkpoint.load(tmp_path / checkpoint.save(tmp_path, tiny_spec, tiny_params, {"ssim": 0.9}))
    spec, params, metrics, _ = checkpoint.from_bundle(checkpoint.to_bundle(ckpt))
    assert spec == tiny_spec and metrics == {"ssim": 0.9} and set(params) == set(tiny_params)
    for data, message in [(b"", "too short"), (b"\xff" * 16, "header length"),
                          (b"\x02\x00\x00\x00\x00\x00\x00\x00{}", "not an AeVP model"),
                          (b"\x80\x04\x95" + b"\x00" * 20, "header length")]:
        with pytest.raises(checkpoint.CheckpointError, match=message):
            checkpoint.from_bundle(data)


def test_delete_removes_the_folder(tmp_path, tiny_spec, tiny_params):
    model_id = checkpoint.save(tmp_path, tiny_spec, tiny_params, {})
    checkpoint.delete(tmp_path, model_id)
    assert checkpoint.list_checkpoints(tmp_path) == []
    with pytest.raises(checkpoint.CheckpointError):
        checkpoint.delete(tmp_path, model_id)


@pytest.fixture()
def params_file(tmp_path_factory, tiny_params):
    path = tmp_path_factory.mktemp("params") / "params.npz"
    np.savez(path, **tiny_params)
    return path


WRITER = """
import sys
from pathlib import Path
from aevp.ml import checkpoint, folders, steps
from aevp.ml.spec import ModelSpec
spec = ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=3)
params = steps.flatten_params(steps.init_params(spec)[1])
root = Path(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    checkpoint.save(root, spec, params, {"i": i}, {"losses": list(range(2000)), "epochs": []})
    checkpoint.save(root, spec, params, {"i": i}, model_id="fixed-name")  # replacing in place
    if i == 0:
        print("saved", flush=True)
    i += 1
"""


def test_sigkill_during_saves_never_leaves_a_broken_model(tmp_path, params_file):
    rng = random.Random(0)
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(params_file)], stdout=subprocess.PIPE)
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        assert proc.stdout.readline().strip() == b"saved"
        time.sleep(rng.uniform(0.0, 0.2))  # a save takes a few milliseconds: this lands mid-write
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    listed = checkpoint.list_checkpoints(tmp_path)
    assert len(listed) >= 6  # 5 rounds of at least one new model each, plus fixed-name
    folders = [p for p in tmp_path.iterdir() if not p.name.startswith(".tmp-")]
    assert {p.name for p in folders} == {c.id for c in listed}
    for path in folders:
        checkpoint.load(path)  # every complete-looking folder loads and matches its spec


REPLACER = """
import sys
from pathlib import Path
import numpy as np
from aevp.ml import checkpoint
from aevp.ml.spec import ModelSpec
spec = ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=3)
params = dict(np.load(sys.argv[2]))
# The shapes come from the parent (computing them imports JAX: seconds per process, five times a test).
checkpoint.expected_shapes = lambda _spec: {k: v.shape for k, v in params.items()}
root = Path(sys.argv[1])
i = 0
while True:
    checkpoint.save(root, spec, params, {"i": i}, {"losses": [0.5] * 20000, "epochs": []}, model_id="fixed-name")
    if i == 0:
        print("saved", flush=True)
    i += 1
"""


def _kill_replacer_mid_save(root, params_file, rng, env=None):
    proc = subprocess.Popen([sys.executable, "-c", REPLACER, str(root), str(params_file)], stdout=subprocess.PIPE,
                            env=env)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"saved"
    time.sleep(rng.uniform(0.0, 0.2))  # a replace takes a few milliseconds: this lands mid-write or mid-swap
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_sigkill_while_replacing_a_model_never_hides_it(tmp_path, params_file):
    """Rename-exchange: the id names a complete model at every instant, with nothing to repair afterwards."""
    rng = random.Random(1)
    for _ in range(6):
        _kill_replacer_mid_save(tmp_path, params_file, rng)
        ckpt = checkpoint.load(tmp_path / "fixed-name")  # there, and complete
        assert ckpt.history["losses"] == [0.5] * 20000
    folders.remove_leftovers(tmp_path, 0)
    assert [p.name for p in tmp_path.iterdir()] == ["fixed-name"]


def test_without_rename_exchange_start_up_restores_a_replace_that_a_kill_interrupted(tmp_path, params_file):
    """The fallback (two renames) can leave no `fixed-name` for a moment; `recover` puts the old copy back."""
    rng = random.Random(2)
    env = dict(os.environ, AEVP_NO_RENAME_EXCHANGE="1")
    for _ in range(6):
        _kill_replacer_mid_save(tmp_path, params_file, rng, env)
        folders.recover(tmp_path, 0)
        checkpoint.load(tmp_path / "fixed-name")
    # The crash window itself, made by hand: the old folder renamed aside, the new one never renamed in.
    (tmp_path / "fixed-name").rename(tmp_path / ".tmp-old-fixed-name-0badc0de")
    assert folders.recover(tmp_path, 0) == ["fixed-name"]
    checkpoint.load(tmp_path / "fixed-name")


def test_leftovers_younger_than_the_limit_are_kept(tmp_path, tiny_spec, tiny_params):
    model_id = checkpoint.save(tmp_path, tiny_spec, tiny_params, {})
    (tmp_path / ".tmp-old").mkdir()
    (tmp_path / ".tmp-file.npz").write_bytes(b"x")
    assert folders.remove_leftovers(tmp_path, 60) == []
    assert sorted(folders.remove_leftovers(tmp_path, 0)) == [".tmp-file.npz", ".tmp-old"]
    assert [p.name for p in tmp_path.iterdir()] == [model_id]


def test_a_training_runs_diverged_losses_are_saved_as_null(tmp_path, tiny_spec, tiny_params):
    history = {"losses": [0.5, float("nan"), np.float32(0.25), float("inf")],
               "epochs": [{"epoch": 1, "train_loss": float("nan"), "psnr": np.float64(12.5)}]}
    model_id = checkpoint.save(tmp_path, tiny_spec, tiny_params, {"psnr": np.float32(12.5), "n": 3}, history)
    ckpt = checkpoint.load(tmp_path / model_id)
    losses = [0.5, None, 0.25, None]
    assert ckpt.history == {"losses": losses, "epochs": [{"epoch": 1, "train_loss": None, "psnr": 12.5}]}
    assert ckpt.metrics == {"psnr": 12.5, "n": 3}


@pytest.mark.parametrize(("name", "text", "field"), [
    ("metrics.json", '{"psnr": 18446744073709551616}', "metrics.psnr"),
    ("metrics.json", '{"psnr": "high"}', "metrics.psnr"),
    ("history.json", '{"losses": [1, "x"]}', "history.losses.1"),
    ("history.json", '{"epochs": [null]}', "history.epochs.0"),
    ("spec.json", '{"latent_dim": 0}', "spec.latent_dim"),
])
def test_reading_a_folder_validates_its_metadata(tmp_path, tiny_spec, tiny_params, name, text, field):
    model_id = checkpoint.save(tmp_path, tiny_spec, tiny_params, {})
    (tmp_path / model_id / name).write_text(text)
    for read in (checkpoint.inspect, checkpoint.load):
        with pytest.raises(checkpoint.InvalidMetadata, match=f"model folder {model_id}: {field}: ") as caught:
            read(tmp_path / model_id)
        assert caught.value.field == field
    assert checkpoint.list_checkpoints(tmp_path) == []  # skipped, not raised


def test_a_folder_without_weights_does_not_hide_the_others(tmp_path, tiny_spec, tiny_params):
    kept = checkpoint.save(tmp_path, tiny_spec, tiny_params, {})
    broken = checkpoint.save(tmp_path, tiny_spec, tiny_params, {})
    (tmp_path / broken / checkpoint.WEIGHTS).unlink()
    assert [c.id for c in checkpoint.list_checkpoints(tmp_path)] == [kept]
    with pytest.raises(checkpoint.CheckpointError, match="weights.safetensors is missing"):
        checkpoint.inspect(tmp_path / broken)
