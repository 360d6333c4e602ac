import numpy as np
import pytest

from aevp.ml.pca import fit_pca


def test_pca_shapes_variance_and_determinism() -> None:
    rng = np.random.default_rng(0)
    # Most variance along a known direction, then a second one.
    basis = np.linalg.qr(rng.normal(size=(16, 16)))[0]
    z = rng.normal(size=(10_000, 16)) * np.r_[5.0, 2.0, np.full(14, 0.1)] @ basis.T + 3.0
    pca = fit_pca(z)
    assert pca.components.shape == (2, 16) and pca.mean.shape == (16,)
    assert pca.components @ pca.components.T == pytest.approx(np.eye(2), abs=1e-9)
    assert abs(pca.components[0] @ basis[:, 0]) == pytest.approx(1.0, abs=1e-3)
    assert pca.explained_variance == pytest.approx([25.0, 4.0], rel=0.05)
    assert pca.explained_variance_ratio.sum() < 1 and pca.explained_variance_ratio[0] > 0.8
    points = pca.transform(z)
    assert points.shape == (10_000, 2) and points.mean(axis=0) == pytest.approx([0, 0], abs=1e-9)
    again = fit_pca(z.copy())
    assert np.array_equal(again.components, pca.components)  # same input, same map (signs fixed)
    assert np.array_equal(fit_pca(-z).components, pca.components)  # the sign does not depend on the data's


def test_transform_of_new_points_and_small_latents() -> None:
    rng = np.random.default_rng(1)
    z = rng.normal(size=(500, 4))
    pca = fit_pca(z)
    new = rng.normal(size=(3, 4))
    assert pca.transform(new) == pytest.approx((new - z.mean(axis=0)) @ pca.components.T)
    assert pca.transform(new[0]).shape == (2,)
    one_dim = fit_pca(rng.normal(size=(100, 1)))  # a 1-D latent: the second axis is zero
    assert one_dim.components.shape == (2, 1) and one_dim.explained_variance[1] == 0
    with pytest.raises(ValueError):
        fit_pca(np.zeros((1, 4)))
