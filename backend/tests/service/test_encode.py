"""Pure encoding: images in, Tensor8 heatmaps and explore results out."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from aevp.service.encode import finite_list, image_array, reconstruction_error, tensor8


def decode_tensor8(t) -> np.ndarray:  # type: ignore[no-untyped-def]
    q = np.frombuffer(base64.b64decode(t.data), np.uint8).reshape(t.shape).astype(np.float64)
    lo, hi = np.asarray(t.lo)[:, None, None], np.asarray(t.hi)[:, None, None]
    return lo + (hi - lo) * q / 255


def test_tensor8_round_trips_within_half_a_step_per_channel() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(14, 14, 8)).astype(np.float32) * np.arange(1, 9)  # each channel its own range
    t = tensor8(a)
    assert t.shape == [8, 14, 14]
    back = decode_tensor8(t)
    step = (np.asarray(t.hi) - np.asarray(t.lo)) / 255
    assert np.all(np.abs(back - np.moveaxis(a, -1, 0)) <= step[:, None, None] / 2 + 1e-6)
    assert t.lo == pytest.approx(a.reshape(-1, 8).min(0)) and t.hi == pytest.approx(a.reshape(-1, 8).max(0))


def test_tensor8_shapes_constant_and_non_finite() -> None:
    assert tensor8(np.zeros((28, 28))).shape == [1, 28, 28]
    vector = tensor8(np.arange(16, dtype=np.float32))
    assert vector.shape == [1, 1, 16] and vector.lo == [0.0] and vector.hi == [15.0]
    flat = tensor8(np.full((7, 7, 2), 3.0))
    assert base64.b64decode(flat.data) == bytes(98) and flat.lo == flat.hi == [3.0, 3.0]
    broken = np.ones((4, 4, 1), np.float32)
    broken[0, 0, 0] = np.nan
    assert np.isfinite(tensor8(broken).lo).all()


def test_image_array_scales() -> None:
    unit = np.linspace(0, 1, 784).reshape(28, 28)
    assert image_array(unit.tolist()) == pytest.approx(unit)
    assert image_array((unit * 255).reshape(-1).tolist()) == pytest.approx(unit)
    assert image_array([0] * 783 + [1]).max() == 1.0  # all values <= 1: already 0..1


def test_finite_list_and_error() -> None:
    assert finite_list(np.array([1.0, np.nan, np.inf])) == [1.0, None, None]
    image = np.full((28, 28), 0.5, np.float32)
    assert reconstruction_error(image, image) == (0.0, None)  # infinite PSNR travels as null
    mse, psnr = reconstruction_error(image, image + 0.1)
    assert mse == pytest.approx(0.01) and psnr == pytest.approx(20.0)
