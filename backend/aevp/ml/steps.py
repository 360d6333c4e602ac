"""Jitted pure functions of the parameters: train step, eval step, explore, encode, decode (bare or
with the decoder's activations).

Flax's `nnx.jit` walks the module graph in Python on every call, which costs more than a step of
this small model; so the model is split once and plain `jax.jit` closes over its graph definition.
Compiled functions are cached per architecture (and per optimizer for the train step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from jax import lax

from aevp.ml.metrics import image_metrics
from aevp.ml.model import Autoencoder
from aevp.ml.spec import ARCHITECTURE_FIELDS, ModelSpec

Params = Any  # an nnx.State of the model's Params
FlatParams = dict[str, np.ndarray]


def init_params(spec: ModelSpec) -> tuple[nnx.GraphDef, Params]:
    """A freshly initialised model for the spec's seed, split into its graph and parameters."""
    return nnx.split(Autoencoder(spec), nnx.Param)


def flatten_params(params: Params, as_numpy: bool = True) -> dict[str, Any]:
    """{'enc_conv1.kernel': array, ...}: the names checkpoints and the API use."""
    flat = nnx.to_flat_state(params)
    return {
        ".".join(str(k) for k in path[1:]): np.asarray(var.get_value()) if as_numpy else var.get_value()
        for path, var in flat
    }


def _abstract_params(spec: ModelSpec) -> Params:
    return nnx.split(nnx.eval_shape(lambda: Autoencoder(spec, seed=0)), nnx.Param)[1]


def param_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]]:
    """Every weight's flat name and shape for this spec, without allocating them."""
    return {k: tuple(v.shape) for k, v in flatten_params(_abstract_params(spec), as_numpy=False).items()}


def unflatten_params(spec: ModelSpec, flat: FlatParams) -> Params:
    """Parameters for `spec` from flat arrays already checked against `param_shapes(spec)`."""
    state = _abstract_params(spec)
    for path, var in nnx.to_flat_state(state):
        var.set_value(jnp.asarray(flat[".".join(str(k) for k in path[1:])], jnp.float32))
    return state


def reconstruction_loss(spec: ModelSpec, logits: jax.Array, images: jax.Array) -> jax.Array:
    """Per-image loss, averaged over pixels: BCE on logits (stable) or MSE of the sigmoid output."""
    if spec.loss == "bce":
        per_pixel = optax.sigmoid_binary_cross_entropy(logits, images)
    else:
        per_pixel = jnp.square(jax.nn.sigmoid(logits) - images)
    return per_pixel.mean(axis=(1, 2))


def kl_divergence(mean: jax.Array, logvar: jax.Array) -> jax.Array:
    """Per-image KL(N(mean, exp(logvar)) || N(0, I)) in nats, summed over latent dimensions."""
    return 0.5 * jnp.sum(jnp.square(mean) + jnp.exp(logvar) - 1.0 - logvar, axis=-1)


def corrupt(spec: ModelSpec, images: jax.Array, key: jax.Array) -> jax.Array:
    """A denoising autoencoder's training input, corrupted as its spec says."""
    return corrupt_images(spec.corruption, spec.corruption_level, images, key)


def corrupt_images(kind: str, level: float | jax.Array, images: jax.Array, key: jax.Array) -> jax.Array:
    """Gaussian noise of sigma `level` (clipped to [0, 1]), or a random `level` of the pixels set to 0;
    the lab applies the same function to the user's drawing."""
    if kind == "gaussian":
        noisy = images + level * jax.random.normal(key, images.shape, images.dtype)
        return jnp.clip(noisy, 0.0, 1.0)
    keep = jax.random.bernoulli(key, 1.0 - level, images.shape)
    return jnp.where(keep, images, 0.0)


def step_key(epoch_key: jax.Array, step_index: jax.Array) -> jax.Array:
    """The random key of one training step (sampling, corruption): the epoch's key folded with the step."""
    return jax.random.fold_in(epoch_key, step_index)


def epoch_key(spec: ModelSpec, epoch: int) -> jax.Array:
    """The key passed to every step of an epoch, from the spec's seed and the epoch."""
    return jax.random.fold_in(jax.random.key(spec.seed), epoch)


def make_optimizer(spec: ModelSpec) -> optax.GradientTransformation:
    if spec.optimizer == "adam":
        return optax.adam(spec.learning_rate)
    if spec.optimizer == "adamw":
        return optax.adamw(spec.learning_rate, weight_decay=1e-4)
    return optax.sgd(spec.learning_rate, momentum=0.9)


@dataclass(frozen=True)
class TrainFunctions:
    graphdef: nnx.GraphDef
    optimizer: optax.GradientTransformation
    # (params, opt_state, images_u8 (N,28,28), order (N,), step, epoch_key) -> (params, opt_state, loss);
    # loss is the batch's mean loss, for a VAE the vector (loss, reconstruction, KL), each per image
    step: Callable[..., tuple[Params, Any, jax.Array]]
    # (params, images_u8 (M,28,28)) -> per-image {'loss', 'psnr', 'ssim'} (+ 'recon', 'kl' for a VAE)
    evaluate: Callable[..., dict[str, jax.Array]]


@lru_cache(maxsize=16)
def _train_functions(key: str) -> TrainFunctions:
    spec = ModelSpec.model_validate_json(key)
    graphdef, _ = init_params(spec)
    tx = make_optimizer(spec)
    batch = spec.batch_size
    vae = spec.variant == "vae"

    def vae_terms(params: Params, images: jax.Array, rng: jax.Array | None) -> tuple[jax.Array, ...]:
        """Per-image (reconstruction summed over pixels, KL, reconstruction); sampled when `rng` is given,
        at the mean otherwise."""
        model = nnx.merge(graphdef, params)
        mean, logvar = model.encode_stats(images)
        assert logvar is not None
        z = mean if rng is None else mean + jnp.exp(0.5 * logvar) * jax.random.normal(rng, mean.shape, mean.dtype)
        logits = model.decode_logits(z)
        recon = reconstruction_loss(spec, logits, images) * (images.shape[1] * images.shape[2])
        return recon, kl_divergence(mean, logvar), logits

    def loss_fn(params: Params, images: jax.Array, rng: jax.Array) -> tuple[jax.Array, jax.Array]:
        if vae:
            recon, kl, _ = vae_terms(params, images, rng)
            loss = (recon + spec.beta * kl).mean()
            return loss, jnp.stack([loss, recon.mean(), kl.mean()])
        inputs = corrupt(spec, images, rng) if spec.variant == "denoising" else images
        loss = reconstruction_loss(spec, nnx.merge(graphdef, params)(inputs), images).mean()
        return loss, loss

    def step(params, opt_state, images_u8, order, step_index, epoch_key):
        # The dataset stays on the device; the batch is picked by index inside the jitted step.
        idx = lax.dynamic_slice_in_dim(order, step_index * batch, batch)
        images = images_u8[idx].astype(jnp.float32) / 255.0
        rng = step_key(epoch_key, step_index)
        (_, report), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, images, rng)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, report

    def evaluate(params, images_u8):
        # Clean inputs, and a VAE decodes its mean: evaluation is deterministic.
        images = images_u8.astype(jnp.float32) / 255.0
        if vae:
            recon, kl, logits = vae_terms(params, images, None)
            extra = {"loss": recon + spec.beta * kl, "recon": recon, "kl": kl}
        else:
            logits = nnx.merge(graphdef, params)(images)
            extra = {"loss": reconstruction_loss(spec, logits, images)}
        psnr, ssim = image_metrics(jax.nn.sigmoid(logits), images)
        return {**extra, "psnr": psnr, "ssim": ssim}

    return TrainFunctions(
        graphdef=graphdef,
        optimizer=tx,
        step=jax.jit(step, donate_argnums=(0, 1)),
        evaluate=jax.jit(evaluate),
    )


def train_functions(spec: ModelSpec) -> TrainFunctions:
    """Compiled train and eval steps for this architecture, optimizer and batch size (cached)."""
    return _train_functions(spec.training_key())


@dataclass(frozen=True)
class InferenceFunctions:
    graphdef: nnx.GraphDef
    # (params, images (N,28,28)) -> (latent, reconstruction, {layer: activation})
    explore: Callable[..., tuple[jax.Array, jax.Array, dict[str, jax.Array]]]
    encode: Callable[..., jax.Array]
    decode: Callable[..., jax.Array]
    # (params, latent (N,D)) -> (reconstruction, {decoder layer: activation}); what the sliders drive
    decode_explore: Callable[..., tuple[jax.Array, dict[str, jax.Array]]]


@lru_cache(maxsize=32)
def _inference_functions(key: str) -> InferenceFunctions:
    spec = ModelSpec.model_validate_json(key)
    graphdef, _ = nnx.split(nnx.eval_shape(lambda: Autoencoder(spec, seed=0)), nnx.Param)

    def explore(params, images):
        return nnx.merge(graphdef, params).explore(images)

    def encode(params, images):
        return nnx.merge(graphdef, params).encode(images)

    def decode(params, latent):
        return jax.nn.sigmoid(nnx.merge(graphdef, params).decode_logits(latent))

    def decode_explore(params, latent):
        acts: dict[str, jax.Array] = {}
        nnx.merge(graphdef, params).decode_logits(latent, acts)
        return acts["output"][..., 0], acts  # the kept 'output' is already the sigmoid

    return InferenceFunctions(
        graphdef, jax.jit(explore), jax.jit(encode), jax.jit(decode), jax.jit(decode_explore)
    )


def inference_functions(spec: ModelSpec) -> InferenceFunctions:
    """Compiled explore / encode / decode for this architecture (cached)."""
    return _inference_functions(spec.model_dump_json(include=set(ARCHITECTURE_FIELDS)))
