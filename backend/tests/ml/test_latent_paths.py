"""Interpolation paths, dimension sweeps and prior draws: pure NumPy, checked against their definitions."""

from __future__ import annotations

import numpy as np
import pytest

from aevp.ml import latent_paths


def test_linear_interpolation_starts_and_ends_at_the_codes_and_is_evenly_spaced() -> None:
    a, b = np.array([0.0, 2.0, -1.0]), np.array([4.0, 0.0, 1.0])
    z = latent_paths.interpolate(a, b, 5, "linear")
    assert z.shape == (5, 3)
    np.testing.assert_allclose(z[0], a)
    np.testing.assert_allclose(z[-1], b)
    np.testing.assert_allclose(np.diff(z, axis=0), np.tile((b - a) / 4, (4, 1)))


def test_spherical_interpolation_follows_the_great_circle() -> None:
    a, b = np.array([1.0, 0.0]), np.array([0.0, 2.0])
    z = latent_paths.interpolate(a, b, 3, "spherical")
    np.testing.assert_allclose(z[0], a, atol=1e-12)
    np.testing.assert_allclose(z[-1], b, atol=1e-12)
    # Halfway along a 90 degree arc: the 45 degree direction, with sin-weighted lengths.
    w = np.sin(np.pi / 4) / np.sin(np.pi / 2)
    np.testing.assert_allclose(z[1], w * a + w * b)
    assert np.linalg.norm(z[1]) > np.linalg.norm((a + b) / 2)  # it bulges outwards, unlike the chord


def test_spherical_interpolation_falls_back_to_linear_when_the_angle_is_undefined() -> None:
    a = np.array([1.0, 1.0])
    for b in (2 * a, np.zeros(2)):
        np.testing.assert_allclose(
            latent_paths.interpolate(a, b, 4, "spherical"), latent_paths.interpolate(a, b, 4, "linear")
        )


@pytest.mark.parametrize(("steps", "path"), [(1, "linear"), (4, "cubic")])
def test_interpolation_rejects_bad_arguments(steps: int, path: str) -> None:
    with pytest.raises(ValueError):
        latent_paths.interpolate(np.zeros(2), np.ones(2), steps, path)


def test_sweep_values_span_the_given_number_of_standard_deviations() -> None:
    np.testing.assert_allclose(latent_paths.sweep_values(1.0, 2.0, 5, 2.5), [-4.0, -1.5, 1.0, 3.5, 6.0])
    assert np.ptp(latent_paths.sweep_values(0.0, 0.0, 3, 2.0)) > 0  # a dead dimension still moves


def test_a_two_dimension_grid_is_row_major_with_x_on_the_first_dimension() -> None:
    centre = np.array([9.0, 9.0, 9.0])
    xs, ys = np.array([0.0, 1.0, 2.0]), np.array([10.0, 20.0])
    z = latent_paths.grid(centre, [2, 0], [xs, ys])
    assert z.shape == (6, 3)
    np.testing.assert_allclose(z[:, 1], 9.0)  # the unswept dimension stays at the centre
    np.testing.assert_allclose(z[:, 2].reshape(2, 3), np.tile(xs, (2, 1)))  # columns follow dims[0]
    np.testing.assert_allclose(z[:, 0].reshape(2, 3), np.tile(ys[:, None], (1, 3)))  # rows follow dims[1]
    strip = latent_paths.grid(centre, [1], [xs])
    np.testing.assert_allclose(strip[:, 1], xs)
    with pytest.raises(ValueError, match="differ"):
        latent_paths.grid(centre, [1, 1], [xs, xs])
    with pytest.raises(ValueError, match="out of range"):
        latent_paths.grid(centre, [3], [xs])


def test_prior_samples_are_reproducible_standard_normal_draws() -> None:
    a = latent_paths.prior_samples(2000, 4, seed=3)
    np.testing.assert_array_equal(a, latent_paths.prior_samples(2000, 4, seed=3))
    assert not np.array_equal(a, latent_paths.prior_samples(2000, 4, seed=4))
    assert abs(a.mean()) < 0.05 and abs(a.std() - 1) < 0.05
