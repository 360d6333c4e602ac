import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aevp.ml import ops

KEY = jax.random.PRNGKey(0)


def _grads(fn, x, w):
    # A fixed random cotangent makes the check sensitive to every output element.
    ct = jax.random.normal(jax.random.PRNGKey(7), fn(x, w).shape)
    return jax.grad(lambda x_, w_: (fn(x_, w_) * ct).sum(), (0, 1))(x, w)


@pytest.mark.parametrize("k,size_in,size_out", [(3, 7, 14), (5, 4, 7), (3, 2, 4), (5, 14, 28)])
def test_conv_transpose_matches_lhs_dilated_reference(k, size_in, size_out):
    x = jax.random.normal(KEY, (2, size_in, size_in, 3))
    w = jax.random.normal(jax.random.PRNGKey(1), (k, k, 3, 5))
    fast = ops.conv_transpose(x, w, size_out)
    ref = ops.conv_transpose_plain(x, w, size_out)
    assert fast.shape == (2, size_out, size_out, 5)
    np.testing.assert_allclose(fast, ref, atol=1e-4)
    for a, b in zip(_grads(lambda x, w: ops.conv_transpose(x, w, size_out), x, w),
                    _grads(lambda x, w: ops.conv_transpose_plain(x, w, size_out), x, w), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-3)


def test_conv_transpose_is_pytorch_semantics_on_a_single_pixel():
    # One input pixel at (1, 1) scatters the kernel around output (2, 2) with padding 1.
    x = jnp.zeros((1, 3, 3, 1)).at[0, 1, 1, 0].set(1.0)
    w = jnp.arange(9.0).reshape(3, 3, 1, 1)
    y = ops.conv_transpose(x, w, 6)[0, :, :, 0]
    np.testing.assert_array_equal(y[1:4, 1:4], jnp.arange(9.0).reshape(3, 3))
    assert float(jnp.abs(y).sum()) == 36.0


@pytest.mark.parametrize("stride,k", [(1, 3), (2, 5)])
def test_im2col_conv_matches_xla_with_gradients(stride, k):
    x = jax.random.normal(KEY, (2, 14, 14, 3))
    w = jax.random.normal(jax.random.PRNGKey(1), (k, k, 3, 4))
    np.testing.assert_allclose(ops.conv_im2col(x, w, stride), ops.conv_plain(x, w, stride), atol=1e-4)
    for a, b in zip(_grads(lambda x, w: ops.conv_im2col(x, w, stride), x, w),
                    _grads(lambda x, w: ops.conv_plain(x, w, stride), x, w), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("size", [28, 7, 4])
def test_max_pool_mask_gradient_matches_select_and_scatter(size):
    x = jax.random.normal(KEY, (2, size, size, 3))
    assert ops.max_pool(x).shape == (2, -(-size // 2), -(-size // 2), 3)
    ct = jax.random.normal(jax.random.PRNGKey(3), ops.max_pool(x).shape)
    fast = jax.grad(lambda x: (ops.max_pool(x) * ct).sum())(x)
    ref = jax.grad(lambda x: (ops.max_pool_plain(x) * ct).sum())(x)
    np.testing.assert_allclose(fast, ref, atol=1e-6)
