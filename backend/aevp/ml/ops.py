"""Convolution, pooling and transposed-convolution kernels, written for XLA on CPU.

XLA's own gradients of `max_pool` (a select-and-scatter loop), of `conv_transpose` (an lhs-dilated
convolution) and of some convolution weight gradients are slow on CPU (docs/performance.md has the
measurements and what was tried). These functions compute the same numbers in forms that run fast;
tests check each against the plain formulation.
All tensors are NHWC, kernels HWIO.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

_DIMS = ("NHWC", "HWIO", "NHWC")


def _same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv_plain(x: jax.Array, w: jax.Array, stride: int = 1) -> jax.Array:
    """SAME-padded convolution, XLA's formulation (the reference for tests)."""
    pad = [_same_padding(x.shape[i], w.shape[i - 1], stride) for i in (1, 2)]
    return lax.conv_general_dilated(x, w, (stride, stride), pad, dimension_numbers=_DIMS)


def _shifted_views(xp: jax.Array, k: int, stride: int, out_h: int, out_w: int) -> list[jax.Array]:
    """The k*k shifted (strided) windows of a padded input, each (N, out_h, out_w, C)."""
    n, _, _, c = xp.shape
    return [
        lax.slice(xp, (0, dy, dx, 0), (n, dy + stride * (out_h - 1) + 1, dx + stride * (out_w - 1) + 1, c),
                  (1, stride, stride, 1))
        for dy in range(k)
        for dx in range(k)
    ]


def conv_im2col(x: jax.Array, w: jax.Array, stride: int = 1) -> jax.Array:
    """The same convolution as im2col + one matmul; its gradients are matmuls and pads.

    Fast where the patch matrix is small (one input channel); building it is memory-bound.
    """
    k, _, cin, cout = w.shape
    pads = [_same_padding(x.shape[i], k, stride) for i in (1, 2)]
    xp = jnp.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    out_h, out_w = -(-x.shape[1] // stride), -(-x.shape[2] // stride)
    patches = jnp.concatenate(_shifted_views(xp, k, stride, out_h, out_w), axis=-1)
    y = patches.reshape(-1, k * k * cin) @ w.reshape(k * k * cin, cout)
    return y.reshape(x.shape[0], out_h, out_w, cout)


def conv(x: jax.Array, w: jax.Array, stride: int = 1, method: str = "xla") -> jax.Array:
    """SAME-padded convolution in the formulation chosen (by measurement) for the layer."""
    return conv_im2col(x, w, stride) if method == "im2col" else conv_plain(x, w, stride)


def _pool_pad(x: jax.Array) -> tuple[tuple[int, int], ...]:
    return ((0, 0), (0, x.shape[1] % 2), (0, x.shape[2] % 2), (0, 0))


def max_pool_plain(x: jax.Array) -> jax.Array:
    """2x2 max-pool, stride 2, SAME padding (odd sizes round up): XLA's formulation."""
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), _pool_pad(x))


@jax.custom_vjp
def max_pool(x: jax.Array) -> jax.Array:
    """2x2 max-pool whose gradient is routed through an equality mask, not select-and-scatter."""
    return max_pool_plain(x)


def _upsample2(y: jax.Array, h: int, w: int) -> jax.Array:
    return jnp.repeat(jnp.repeat(y, 2, axis=1), 2, axis=2)[:, :h, :w, :]


def _pool_fwd(x):
    y = max_pool_plain(x)
    return y, (x, y)


def _pool_bwd(res, g):
    x, y = res
    h, w = x.shape[1], x.shape[2]
    mask = x == _upsample2(y, h, w)
    # Ties (rare except for exact zeros, whose ReLU gradient is zero anyway) all receive the gradient.
    return (jnp.where(mask, _upsample2(g, h, w), 0.0),)


max_pool.defvjp(_pool_fwd, _pool_bwd)


def conv_transpose_plain(x: jax.Array, w: jax.Array, out_size: int) -> jax.Array:
    """Stride-2 transposed convolution (PyTorch's padding=(k-1)/2, output_padding=1), cropped to out_size."""
    k = w.shape[0]
    p = (k - 1) // 2
    pad = (k - 1 - p, k - 1 - p + 1)
    y = lax.conv_general_dilated(
        x, w[::-1, ::-1], (1, 1), (pad, pad), lhs_dilation=(2, 2), dimension_numbers=_DIMS
    )
    return y[:, :out_size, :out_size, :]


def conv_transpose(x: jax.Array, w: jax.Array, out_size: int) -> jax.Array:
    """The same transposed convolution as one matmul followed by a col2im of shifted adds.

    XLA's gradients of the lhs-dilated form are a slow generic loop on CPU. Here the forward is
    x @ W (every input pixel times the whole kernel), and each output phase (row and column parity)
    sums the kernel taps of that parity, shifted; the phases are then interleaved. Autodiff of this
    gives matmuls, slices and pads only.
    """
    k, _, cin, cout = w.shape
    n, h, wd, _ = x.shape
    p = (k - 1) // 2
    cols = (x.reshape(-1, cin) @ w.transpose(2, 0, 1, 3).reshape(cin, k * k * cout)).reshape(n, h, wd, k, k, cout)
    extra = (k - 1) // 2 + 1  # a phase image is this much larger than the input
    phase_rows = []
    for ry in (0, 1):
        row = []
        for rx in (0, 1):
            acc = jnp.zeros((n, h + extra, wd + extra, cout), x.dtype)
            for ky in range(ry, k, 2):
                for kx in range(rx, k, 2):
                    dy, dx = ky // 2, kx // 2
                    tap = cols[:, :, :, ky, kx, :]
                    acc = acc + jnp.pad(tap, ((0, 0), (dy, extra - dy), (dx, extra - dx), (0, 0)))
            row.append(acc)
        phase_rows.append(jnp.stack(row, axis=3))  # (n, H', W', rx, c)
    full = jnp.stack(phase_rows, axis=2).reshape(n, 2 * (h + extra), 2 * (wd + extra), cout)
    # Output index o = 2i + tap - p, so it sits at o + p in the uncropped buffer.
    return full[:, p:p + out_size, p:p + out_size, :]
