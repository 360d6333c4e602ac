"""The shipped models: each loads, matches its id, explores an image, and reports the figures the README
promises (so a retrained model that got worse, or a broken folder, fails here)."""

from __future__ import annotations

import numpy as np
import pytest

from aevp.ml import checkpoint
from aevp.ml.inference import Inference
from aevp.settings import PRETRAINED_DIR

# id -> (variant, latent size, lowest acceptable test PSNR)
SHIPPED = {
    "ae-32-64-l16-mnist": ("plain", 16, 21.1),
    "ae-32-64-l16-fashion-mnist": ("plain", 16, 20.0),
    "vae-32-64-l16-mnist": ("vae", 16, 20.0),
    "vae-32-64-l2-mnist": ("vae", 2, 13.5),
    "dae-32-64-l16-mnist": ("denoising", 16, 19.5),
}


def test_exactly_the_documented_models_ship() -> None:
    assert sorted(p.name for p in PRETRAINED_DIR.iterdir() if p.is_dir()) == sorted(SHIPPED)


@pytest.mark.parametrize("model_id", sorted(SHIPPED))
def test_a_shipped_model_loads_explores_and_meets_its_figures(model_id: str) -> None:
    variant, latent_dim, min_psnr = SHIPPED[model_id]
    ckpt = checkpoint.load(PRETRAINED_DIR / model_id)
    assert (ckpt.spec.variant, ckpt.spec.latent_dim, ckpt.spec.epochs) == (variant, latent_dim, 5)
    assert model_id == checkpoint.spec_name(ckpt.spec) + f"-{ckpt.spec.dataset}"  # what --pretrained names it
    assert ckpt.metrics["psnr"] >= min_psnr and 0 < ckpt.metrics["ssim"] <= 1
    if variant == "vae" and latent_dim == 16:
        assert ckpt.metrics["test_elbo"] <= 98.8  # the bar: within 2% of the reference's 96.8 nats
    out = Inference(ckpt.spec, ckpt.params).explore(np.zeros((1, 28, 28), np.float32))
    assert out.latent.shape == (1, latent_dim) and np.isfinite(out.reconstruction).all()
