import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from aevp.ml import steps
from aevp.ml.spec import ModelSpec


def test_explore_returns_every_layer_named_and_shaped_as_the_table():
    spec = ModelSpec(blocks=[{"filters": 4, "kernel": 5}, {"filters": 6, "kernel": 3}, {"filters": 8, "kernel": 3}],
                     downsample="stride", latent_dim=5, activation="gelu")
    _, params = steps.init_params(spec)
    latent, recon, acts = steps.inference_functions(spec).explore(params, jnp.zeros((3, 28, 28)))
    assert latent.shape == (3, 5) and recon.shape == (3, 28, 28)
    assert {k: v.shape[1:] for k, v in acts.items()} == {r.name: r.shape for r in spec.layers()}
    assert float(recon.min()) >= 0.0 and float(recon.max()) <= 1.0


def test_parameter_count_matches_layer_table():
    spec = ModelSpec(blocks=[{"filters": 8, "kernel": 3}, {"filters": 16, "kernel": 5}], latent_dim=7)
    _, params = steps.init_params(spec)
    assert sum(int(np.prod(s)) for s in steps.param_shapes(spec).values()) == spec.param_count
    assert sum(x.size for x in jax.tree.leaves(params)) == spec.param_count


def test_gradients_match_finite_differences_on_a_tiny_model(tiny_spec):
    graphdef, params = steps.init_params(tiny_spec)
    images = jax.random.uniform(jax.random.PRNGKey(1), (4, 28, 28))

    @jax.jit
    def loss(p):
        logits = nnx.merge(graphdef, p)(images)
        return steps.reconstruction_loss(tiny_spec, logits, images).mean()

    grads = steps.flatten_params(jax.grad(loss)(params))
    flat = steps.flatten_params(params)
    rng = np.random.default_rng(0)
    eps = 1e-2
    for name in ["enc_conv1.kernel", "latent.kernel", "dec_tconv1.kernel", "output.bias"]:
        idx = tuple(rng.integers(0, s) for s in flat[name].shape)
        shifted = []
        for delta in (eps, -eps):
            moved = dict(flat)
            moved[name] = flat[name].copy()
            moved[name][idx] += delta
            shifted.append(float(loss(steps.unflatten_params(tiny_spec, moved))))
        fd = (shifted[0] - shifted[1]) / (2 * eps)
        assert abs(fd - grads[name][idx]) <= 2e-3 + 0.05 * abs(fd), (name, fd, grads[name][idx])
