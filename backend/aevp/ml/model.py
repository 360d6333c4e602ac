"""The convolutional autoencoder as a Flax NNX module, built from a ModelSpec's layer table."""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from aevp.ml import ops
from aevp.ml.spec import LayerInfo, ModelSpec

ACTIVATIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "relu": jax.nn.relu,
    "leaky_relu": jax.nn.leaky_relu,
    "gelu": jax.nn.gelu,
    "silu": jax.nn.silu,
    "tanh": jnp.tanh,
}


def _uniform(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> nnx.Param:
    # PyTorch's default initialisation (uniform +-1/sqrt(fan_in) for weights and biases), so that
    # learning curves are comparable with the PyTorch reference in docs/performance.md. Drawn with
    # NumPy: JAX would compile a sampler per shape, seconds for each new architecture.
    bound = 1.0 / math.sqrt(fan_in)
    return nnx.Param(jnp.asarray(rng.uniform(-bound, bound, shape).astype(np.float32)))


class Conv(nnx.Module):
    """SAME-padded k x k convolution with optional stride 2."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, method: str, *, rng: np.random.Generator):
        fan_in = kernel * kernel * cin
        self.kernel = _uniform(rng, (kernel, kernel, cin, cout), fan_in)
        self.bias = _uniform(rng, (cout,), fan_in)
        self.stride = stride
        self.method = method

    def __call__(self, x: jax.Array) -> jax.Array:
        return ops.conv(x, self.kernel[...], self.stride, self.method) + self.bias[...]


class ConvTranspose(nnx.Module):
    """Stride-2 transposed convolution (k x k kernel), cropped to the mirrored encoder size."""

    def __init__(self, cin: int, cout: int, kernel: int, out_size: int, *, rng: np.random.Generator):
        # PyTorch's ConvTranspose2d computes its fan-in from the output channels.
        fan_in = kernel * kernel * cout
        self.kernel = _uniform(rng, (kernel, kernel, cin, cout), fan_in)
        self.bias = _uniform(rng, (cout,), fan_in)
        self.out_size = out_size

    def __call__(self, x: jax.Array) -> jax.Array:
        return ops.conv_transpose(x, self.kernel[...], self.out_size) + self.bias[...]


class Dense(nnx.Module):
    """Fully connected layer on the flattened input, reshaped to the layer table's shape."""

    def __init__(self, fan_in: int, shape: tuple[int, ...], *, rng: np.random.Generator):
        size = math.prod(shape)
        self.kernel = _uniform(rng, (fan_in, size), fan_in)
        self.bias = _uniform(rng, (size,), fan_in)
        self.shape = shape

    def __call__(self, x: jax.Array) -> jax.Array:
        y = x.reshape(x.shape[0], -1) @ self.kernel[...] + self.bias[...]
        return y.reshape((x.shape[0], *self.shape))


class MaxPool(nnx.Module):
    def __call__(self, x: jax.Array) -> jax.Array:
        return ops.max_pool(x)


def _conv_method(cin: int) -> str:
    # Measured per layer (`make bench` prints the profile): im2col + matmul is 3x faster than XLA's
    # convolution for one input channel, but building the patch matrix is memory-bound and loses
    # for wider inputs.
    return "im2col" if cin == 1 else "xla"


def _build_layer(row: LayerInfo, in_shape: tuple[int, ...], rng: np.random.Generator) -> nnx.Module:
    cin = in_shape[-1]
    if row.kind == "conv":
        assert row.kernel is not None
        return Conv(cin, row.shape[-1], row.kernel, row.stride, _conv_method(cin), rng=rng)
    if row.kind == "tconv":
        assert row.kernel is not None
        return ConvTranspose(cin, row.shape[-1], row.kernel, row.shape[0], rng=rng)
    if row.kind == "dense":
        return Dense(math.prod(in_shape), row.shape, rng=rng)
    return MaxPool()


LOGVAR = "latent_logvar"  # the VAE's log-variance head in the layer table


class Autoencoder(nnx.Module):
    """Encoder and decoder as in `spec.layers()`; every layer's output is named as in the table."""

    def __init__(self, spec: ModelSpec, *, seed: int | None = None):
        rng = np.random.default_rng(spec.seed if seed is None else seed)
        self.rows = tuple(spec.layers())
        self.act = ACTIVATIONS[spec.activation]
        shape: tuple[int, ...] = (28, 28, 1)
        features = shape
        layers = {}
        for row in self.rows:
            if row.name == "latent":
                features = shape
            # The VAE's log-variance head reads the same features as the mean (`latent`).
            layers[row.name] = _build_layer(row, features if row.name == LOGVAR else shape, rng)
            shape = row.shape
        self.layers = nnx.Dict(layers)
        self.variational = LOGVAR in layers
        # The encoder's trunk and mean; the log-variance head is applied beside `latent` in `encode_stats`.
        self.encoder_names = tuple(r.name for r in self.rows if r.part == "encoder" and r.name != LOGVAR)
        self.decoder_names = tuple(r.name for r in self.rows if r.part == "decoder")

    def _run(
        self, names: tuple[str, ...], x: jax.Array, keep: dict[str, jax.Array] | None,
        features: list[jax.Array] | None = None,
    ) -> jax.Array:
        for row in self.rows:
            if row.name not in names:
                continue
            if row.name == "latent" and features is not None:
                features.append(x)
            x = self.layers[row.name](x)
            if row.activation is not None and row.activation != "sigmoid":
                x = self.act(x)
            if keep is not None:
                keep[row.name] = jax.nn.sigmoid(x) if row.activation == "sigmoid" else x
        return x

    def encode(self, images: jax.Array, keep: dict[str, jax.Array] | None = None) -> jax.Array:
        """(N, 28, 28) images in [0, 1] -> (N, latent_dim): the code (for a VAE, the mean)."""
        return self.encode_stats(images, keep)[0]

    def encode_stats(
        self, images: jax.Array, keep: dict[str, jax.Array] | None = None
    ) -> tuple[jax.Array, jax.Array | None]:
        """(mean, log-variance) for a VAE, (code, None) otherwise; each (N, latent_dim)."""
        if not self.variational:
            return self._run(self.encoder_names, images[..., None], keep), None
        features: list[jax.Array] = []
        mean = self._run(self.encoder_names, images[..., None], keep, features)
        logvar = self.layers[LOGVAR](features[0])
        if keep is not None:
            keep[LOGVAR] = logvar
        return mean, logvar

    def decode_logits(self, latent: jax.Array, keep: dict[str, jax.Array] | None = None) -> jax.Array:
        """(N, latent_dim) -> (N, 28, 28) logits of the reconstruction."""
        return self._run(self.decoder_names, latent, keep)[..., 0]

    def __call__(self, images: jax.Array) -> jax.Array:
        """Reconstruction logits; the sigmoid is applied by the loss (stable BCE) or by callers."""
        return self.decode_logits(self.encode(images))

    def explore(self, images: jax.Array) -> tuple[jax.Array, jax.Array, dict[str, jax.Array]]:
        """Latent (a VAE's mean), reconstruction and every layer's activation for a batch of images (a
        VAE's log-variance is the activation 'latent_logvar'). Decoded from the mean: no sampling."""
        acts: dict[str, jax.Array] = {}
        latent = self.encode(images, acts)
        logits = self.decode_logits(latent, acts)
        return latent, jax.nn.sigmoid(logits), acts
