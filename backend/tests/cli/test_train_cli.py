import os
import re
import signal
import threading

import numpy as np
import pytest
from typer.testing import CliRunner

from aevp.cli import app
from aevp.data import Dataset

TINY = ["--filters", "4", "--latent-dim", "3", "--batch-size", "16"]


@pytest.fixture
def synthetic(monkeypatch, blobs):
    labels = np.zeros(len(blobs[0]), np.uint8)
    data = Dataset("mnist", blobs[0], labels, blobs[1], labels[: len(blobs[1])], tuple("0123456789"))
    monkeypatch.setattr("aevp.cli.train.load_dataset", lambda name, data_dir=None: data)
    return data


def _run(*args):
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output, result.exception


def test_invalid_spec_names_the_option_and_exits_2(env):
    code, out, exc = _run("train", "--latent-dim", "99")
    assert code == 2 and "--latent-dim" in out and "less than or equal to 64" in out
    code, out, _ = _run("train", "--filters", "8,8,8,8", "--kernel", "5")
    assert code == 2 and "blocks[3].kernel" in out


def test_missing_data_is_one_clear_message_not_a_traceback(env):
    code, out, exc = _run("train", "--epochs", "1")
    assert code == 1 and "aevp data fetch" in out and "Traceback" not in out


def test_train_then_list_then_eval(env, synthetic):
    code, out, _ = _run("train", *TINY, "--epochs", "1")
    assert code == 0, out
    saved = re.search(r"Saved (\S+)", out).group(1)
    assert (env / "models" / saved / "weights.safetensors").is_file()
    code, out, _ = _run("models", "list")
    assert code == 0 and "yours" in out and "conv 4" in out
    code, out, _ = _run("eval", saved)
    psnr = float(re.search(r"PSNR\s+([\d.]+) dB", out).group(1))
    assert code == 0 and psnr > 5 and re.search(r"SSIM\s+0\.\d+", out)
    code, out, _ = _run("eval", "no-such-model")
    assert code == 1 and "no model 'no-such-model'" in out


def test_pretrained_flag_uses_a_code_chosen_id(env, synthetic):
    code, out, _ = _run("train", *TINY, "--epochs", "1", "--pretrained")
    assert code == 0, out
    assert [p.name for p in (env / "pretrained").iterdir()] == ["ae-4-l3-mnist"]


def test_ctrl_c_stops_cleanly_and_saves_nothing(env, synthetic):
    timer = threading.Timer(3.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    code, out, _ = _run("train", *TINY, "--epochs", "100")
    timer.cancel()
    assert code == 130 and "nothing was saved" in out
    assert not (env / "models").exists() or not any((env / "models").iterdir())


def test_eval_scores_denoising_against_the_clean_images(env, synthetic):
    code, out, _ = _run("train", *TINY, "--epochs", "1", "--variant", "denoising", "--corruption-level", "0.4")
    assert code == 0, out
    saved = re.search(r"Saved (\S+)", out).group(1)
    code, out, _ = _run("eval", saved)  # a denoising model: its own training corruption by default
    assert code == 0 and "gaussian corruption 0.4" in out, out
    noisy = float(re.search(r"corrupted input\s+PSNR ([\d.]+) dB", out).group(1))
    assert 5 < noisy < 15  # sigma 0.4 noise on mostly dark images
    assert re.search(r"reconstruction\s+PSNR [\d.]+ dB, SSIM [\d.-]+", out)
    code, out, _ = _run("eval", saved, "--corruption", "mask", "--corruption-level", "0")
    assert code == 0 and "mask corruption 0" in out
    assert re.search(r"corrupted input\s+PSNR (inf|[\d.]+)", out)  # masking nothing leaves the image as is
    code, out, _ = _run("eval", saved, "--corruption", "blur")
    assert code == 2 and "gaussian or mask" in out


def test_eval_of_a_vae_prints_its_negative_elbo_not_a_per_pixel_loss(env, synthetic):
    code, out, _ = _run("train", *TINY, "--epochs", "1", "--variant", "vae")
    assert code == 0, out
    saved = re.search(r"Saved (\S+)", out).group(1)
    code, out, _ = _run("eval", saved)
    assert code == 0 and "per pixel" not in out, out
    terms = re.search(r"ELBO \(nats/image\)\s+([\d.]+) \(reconstruction ([\d.]+) \+ KL ([\d.]+)\)", out)
    elbo, recon, kl = map(float, terms.groups())
    assert elbo == pytest.approx(recon + kl, abs=0.02) and kl >= 0
