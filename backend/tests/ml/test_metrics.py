import math

import jax.numpy as jnp
import numpy as np
import pytest

from aevp.ml.metrics import image_metrics, psnr, reconstruction_metrics, ssim_one


def test_identical_images_ssim_one_and_infinite_psnr() -> None:
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    mse, p, s = reconstruction_metrics(image, image)
    assert mse == 0.0 and p == math.inf and s == pytest.approx(1.0, abs=1e-6)
    batch_psnr, batch_ssim = image_metrics(jnp.asarray(image[None]), jnp.asarray(image[None]))
    assert np.isinf(batch_psnr[0]) and float(batch_ssim[0]) == pytest.approx(1.0, abs=1e-6)


def test_known_noise_psnr_matches_formula() -> None:
    rng = np.random.default_rng(1)
    image = rng.random((28, 28)).astype(np.float32) * 0.8 + 0.1
    noisy = (image + rng.normal(0, 0.05, image.shape)).astype(np.float32)
    expected = 10 * np.log10(1.0 / np.mean((noisy.astype(np.float64) - image) ** 2))
    mse, p, s = reconstruction_metrics(image, noisy)
    assert abs(p - expected) < 0.01 and abs(psnr(0.01) - 20.0) < 1e-9
    batch_psnr, _ = image_metrics(jnp.asarray(noisy[None]), jnp.asarray(image[None]))
    assert abs(float(batch_psnr[0]) - expected) < 0.01
    assert 0 < s < 1


def test_ssim_matches_batched_and_orders_by_quality() -> None:
    rng = np.random.default_rng(2)
    image = rng.random((28, 28)).astype(np.float32)
    slightly = np.clip(image + rng.normal(0, 0.02, image.shape), 0, 1).astype(np.float32)
    badly = np.clip(image + rng.normal(0, 0.3, image.shape), 0, 1).astype(np.float32)
    _, batch = image_metrics(jnp.asarray(np.stack([slightly, badly])), jnp.asarray(np.stack([image, image])))
    one = [ssim_one(slightly, image), ssim_one(badly, image)]
    assert one == pytest.approx([float(batch[0]), float(batch[1])], abs=1e-5)
    assert one[0] > one[1]
    assert math.isnan(psnr(math.nan)) and psnr(0.0) == math.inf
