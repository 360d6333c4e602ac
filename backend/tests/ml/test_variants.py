"""The vae and denoising variants: layer table, losses, sampling and corruption only in training."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from pydantic import ValidationError

from aevp.ml import steps
from aevp.ml.inference import Inference
from aevp.ml.spec import ModelSpec
from aevp.ml.train import BatchLosses, EpochEnd, Finished, evaluate, train

SMALL = dict(blocks=[{"filters": 8, "kernel": 3}], latent_dim=4, batch_size=64)

# Recorded on main before the variants existed: ModelSpec(epochs=1, batch_size=64, seed=3) on `blobs`.
PLAIN_LOSSES = [0.6947105526924133, 0.6890383958816528, 0.6809656620025635, 0.6673480272293091,
                0.642306387424469, 0.5982584953308105, 0.5314965844154358, 0.44003456830978394]
PLAIN_TEST_LOSS = 0.4001966118812561


def _finished(spec, blobs):
    events = list(train(spec, *blobs))
    done = events[-1]
    assert isinstance(done, Finished) and done.state == "done", done
    return events, done


def test_plain_spec_unchanged(blobs):
    spec = ModelSpec(epochs=1, batch_size=64, seed=3)
    assert [r.name for r in spec.layers()] == [
        "enc_conv1", "enc_pool1", "enc_conv2", "enc_pool2", "latent", "dec_dense", "dec_tconv1", "dec_tconv2", "output"
    ]
    assert round(spec.forward_flops / 1e6, 2) == 19.17 and round(spec.train_flops / 1e6, 2) == 57.05
    # A spec saved before the variant fields existed still loads, with their defaults.
    old = ModelSpec().model_dump(exclude={"beta", "corruption", "corruption_level"})
    assert ModelSpec.model_validate(old) == ModelSpec()
    assert ModelSpec().architecture_key() == ModelSpec(beta=2.0).architecture_key()
    _, done = _finished(spec, blobs)
    assert done.history["losses"] == pytest.approx(PLAIN_LOSSES, rel=1e-5)
    assert done.metrics["test_loss"] == pytest.approx(PLAIN_TEST_LOSS, rel=1e-5)
    assert "test_elbo" not in done.metrics and "kl" not in done.history


def test_vae_layer_table_has_mean_and_logvar():
    plain, vae = ModelSpec(), ModelSpec(variant="vae")
    rows = {r.name: r for r in vae.layers()}
    assert [r.name for r in vae.layers()][4:6] == ["latent", "latent_logvar"]
    assert rows["latent_logvar"].shape == rows["latent"].shape == (16,)
    assert rows["latent_logvar"].params == rows["latent"].params
    assert vae.param_count == plain.param_count + rows["latent"].params
    assert set(steps.param_shapes(vae)) - set(steps.param_shapes(plain)) == {
        "latent_logvar.kernel", "latent_logvar.bias"}


@pytest.mark.parametrize(
    "fields, field",
    [({"beta": 11.0}, "beta"), ({"beta": -1.0}, "beta"), ({"corruption": "blur"}, "corruption"),
     ({"corruption_level": 1.5}, "corruption_level"),
     ({"corruption": "mask", "corruption_level": 0.95}, "corruption_level")],
)
def test_invalid_variant_fields_name_the_field(fields, field):
    with pytest.raises(ValidationError) as info:
        ModelSpec.model_validate({"variant": "denoising", **fields})
    assert field in str(info.value)


def test_kl_is_exactly_zero_at_zero_mean_and_logvar():
    zeros = jnp.zeros((3, 16))
    assert np.all(np.asarray(steps.kl_divergence(zeros, zeros)) == 0.0)
    assert float(steps.kl_divergence(jnp.ones((1, 2)), jnp.zeros((1, 2)))[0]) == pytest.approx(1.0)
    # Through the model: a mean and log-variance head of zero weights give a KL of exactly 0.
    spec = ModelSpec(variant="vae", **SMALL)
    _, params = steps.init_params(spec)
    flat = steps.flatten_params(params)
    for name in ("latent.kernel", "latent.bias", "latent_logvar.kernel", "latent_logvar.bias"):
        flat[name] = np.zeros_like(flat[name])
    out = steps.train_functions(spec).evaluate(steps.unflatten_params(spec, flat), jnp.zeros((4, 28, 28), jnp.uint8))
    assert np.all(np.asarray(out["kl"]) == 0.0)


def test_vae_training_lowers_the_negative_elbo_and_reports_its_terms(blobs):
    spec = ModelSpec(variant="vae", epochs=3, seed=1, **SMALL)
    _, params = steps.init_params(spec)
    before = evaluate(spec, params, blobs[1])
    events, done = _finished(spec, blobs)
    after = done.metrics
    assert after["test_elbo"] < before["test_elbo"] - 50, (before, after)
    assert after["test_elbo"] == pytest.approx(after["test_recon"] + after["test_kl"], rel=1e-6)
    batches = [e for e in events if isinstance(e, BatchLosses)]
    assert all(e.kl is not None and e.recon is not None and len(e.kl) == len(e.values) for e in batches)
    for e in batches:
        assert e.values == pytest.approx([r + spec.beta * k for r, k in zip(e.recon, e.kl, strict=True)], rel=1e-4)
    ends = [e for e in events if isinstance(e, EpochEnd)]
    assert all(e.test_kl is not None and e.test_kl >= 0 and e.train_kl is not None for e in ends)
    assert len(done.history["kl"]) == len(done.history["losses"])


def test_beta_weighs_the_kl_and_changes_the_compiled_step():
    a, b = ModelSpec(variant="vae", **SMALL), ModelSpec(variant="vae", beta=4.0, **SMALL)
    assert steps.train_functions(a) is not steps.train_functions(b)
    assert steps.train_functions(a) is steps.train_functions(a.model_copy(update={"seed": 5, "epochs": 2}))
    # fields a variant does not use do not split the cache
    plain = ModelSpec(**SMALL)
    assert plain.training_key() == plain.model_copy(update={"beta": 3.0, "corruption": "mask"}).training_key()
    d1 = ModelSpec(variant="denoising", **SMALL)
    assert d1.training_key() != d1.model_copy(update={"corruption_level": 0.5}).training_key()
    _, params = steps.init_params(a)
    images = jnp.asarray(np.random.default_rng(0).integers(0, 256, (8, 28, 28)), jnp.uint8)
    ea, eb = steps.train_functions(a).evaluate(params, images), steps.train_functions(b).evaluate(params, images)
    np.testing.assert_allclose(np.asarray(eb["loss"]), np.asarray(ea["recon"] + 4.0 * ea["kl"]), rtol=1e-5)


def test_vae_explore_is_the_mean_and_deterministic():
    spec = ModelSpec(variant="vae", **SMALL)
    _, params = steps.init_params(spec)
    inf = Inference(spec, steps.flatten_params(params))
    image = np.random.default_rng(0).uniform(size=(28, 28)).astype(np.float32)
    one, two = inf.explore(image), inf.explore(image)
    np.testing.assert_array_equal(one.latent, two.latent)
    np.testing.assert_array_equal(one.reconstruction, two.reconstruction)
    assert one.latent_logvar is not None and one.latent_logvar.shape == (1, 4)
    np.testing.assert_allclose(one.latent_sigma, np.exp(0.5 * one.latent_logvar))
    np.testing.assert_array_equal(one.latent, one.activations["latent"])
    np.testing.assert_allclose(one.reconstruction, inf.decode(one.latent), atol=1e-6)
    np.testing.assert_allclose(inf.encode(image[None]), one.latent, atol=1e-6)


@pytest.mark.parametrize("corruption, level", [("gaussian", 0.3), ("mask", 0.5)])
def test_corruption_changes_inputs_only_in_training(corruption, level, blobs):
    spec = ModelSpec(variant="denoising", corruption=corruption, corruption_level=level, **SMALL)
    images = jnp.asarray(blobs[0][:64], jnp.float32) / 255.0
    noisy = steps.corrupt(spec, images, jax.random.key(0))
    assert not np.array_equal(np.asarray(noisy), np.asarray(images))
    assert float(noisy.min()) >= 0.0 and float(noisy.max()) <= 1.0
    if corruption == "mask":
        lit = np.asarray(images) > 0
        assert np.mean(np.asarray(noisy)[lit] == 0) == pytest.approx(level, abs=0.05)
    again = steps.corrupt(spec, images, jax.random.key(0))
    np.testing.assert_array_equal(np.asarray(noisy), np.asarray(again))
    assert not np.array_equal(np.asarray(noisy), np.asarray(steps.corrupt(spec, images, jax.random.key(1))))

    # Evaluation and exploring see clean inputs: the same numbers as a plain model with these weights.
    plain = spec.model_copy(update={"variant": "plain"})
    _, params = steps.init_params(spec)
    test = jnp.asarray(blobs[1])
    ed, ep = steps.train_functions(spec).evaluate(params, test), steps.train_functions(plain).evaluate(params, test)
    for k in ("loss", "psnr", "ssim"):
        np.testing.assert_array_equal(np.asarray(ed[k]), np.asarray(ep[k]))
    flat = steps.flatten_params(params)
    image = np.asarray(blobs[1][0], np.float32) / 255.0
    d1, d2 = Inference(spec, flat).explore(image), Inference(spec, flat).explore(image)
    p = Inference(plain, flat).explore(image)
    np.testing.assert_array_equal(d1.reconstruction, d2.reconstruction)
    np.testing.assert_array_equal(d1.reconstruction, p.reconstruction)
    np.testing.assert_array_equal(d1.latent, p.latent)


def test_denoising_trains_against_clean_targets(blobs):
    spec = ModelSpec(variant="denoising", epochs=2, seed=2, **SMALL)
    events, done = _finished(spec, blobs)
    plain_events, plain_done = _finished(spec.model_copy(update={"variant": "plain"}), blobs)
    # Same data order and initial weights; only the corrupted inputs differ.
    assert done.history["losses"][0] != plain_done.history["losses"][0]
    assert done.metrics["test_loss"] < done.history["losses"][0]
