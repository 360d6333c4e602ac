import numpy as np

from aevp.ml import steps
from aevp.ml.inference import Inference
from aevp.ml.spec import ModelSpec


def test_decode_explore_gives_the_decoder_layers_of_explore():
    spec = ModelSpec(blocks=[{"filters": 4, "kernel": 3}, {"filters": 6, "kernel": 5}], latent_dim=5, activation="silu")
    inf = Inference(spec, steps.flatten_params(steps.init_params(spec)[1]))
    images = np.random.default_rng(1).random((2, 28, 28), np.float32)
    explored = inf.explore(images)

    recon, acts = inf.decode_explore(explored.latent)
    decoder = [r for r in spec.layers() if r.part == "decoder"]
    assert list(acts) == [r.name for r in decoder]
    assert {k: v.shape[1:] for k, v in acts.items()} == {r.name: r.shape for r in decoder}
    np.testing.assert_allclose(recon, explored.reconstruction, atol=1e-5)
    np.testing.assert_allclose(recon, inf.decode(explored.latent), atol=1e-6)
    np.testing.assert_allclose(acts["output"][..., 0], recon, atol=1e-6)  # the kept output is the sigmoid
    for name, a in acts.items():
        np.testing.assert_allclose(a, explored.activations[name], atol=1e-4, err_msg=name)

    one, one_acts = inf.decode_explore(explored.latent[0])  # a single vector is a batch of one
    assert one.shape == (1, 28, 28) and all(a.shape[0] == 1 for a in one_acts.values())


def test_corrupt_applies_the_training_corruption_reproducibly():
    spec = ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=4)
    inf = Inference(spec, steps.flatten_params(steps.init_params(spec)[1]))
    clean = np.full((1, 28, 28), 0.5, np.float32)

    noisy = inf.corrupt(clean, "gaussian", 0.2, seed=1)
    assert noisy.shape == (1, 28, 28) and noisy.min() >= 0 and noisy.max() <= 1
    assert abs(float((noisy - clean).std()) - 0.2) < 0.02  # sigma 0.2 (little clipping around 0.5)
    np.testing.assert_array_equal(noisy, inf.corrupt(clean, "gaussian", 0.2, seed=1))
    assert not np.array_equal(noisy, inf.corrupt(clean, "gaussian", 0.2, seed=2))

    masked = inf.corrupt(clean, "mask", 0.25, seed=1)
    zeroed = float((masked == 0).mean())
    assert 0.2 < zeroed < 0.3 and set(np.unique(masked)) == {0.0, 0.5}  # kept pixels are untouched
    np.testing.assert_array_equal(inf.corrupt(clean, "mask", 0.0, seed=1), clean)


def test_decode_pads_batches_without_changing_the_images():
    spec = ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=3)
    inf = Inference(spec, steps.flatten_params(steps.init_params(spec)[1]))
    z = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)  # padded to 8
    batch = inf.decode(z)
    assert batch.shape == (5, 28, 28)
    singles = np.concatenate([inf.decode(z[i : i + 1]) for i in range(5)])
    np.testing.assert_allclose(batch, singles, atol=1e-6)
    assert inf.decode(z[0]).shape == (1, 28, 28)


def test_plan_uses_only_compiled_batch_sizes():
    from aevp.ml.inference import plan

    assert plan(3, set()) == [8]  # nothing compiled yet: the first call compiles its bucket (1, 8, 16 or 32)
    assert plan(12, set()) == [16]
    assert plan(40, set()) == [32, 8]
    assert plan(10, {1}) == [1] * 10  # never a compile on a request's path once one size exists
    assert plan(10, {1, 32}) == [32]
    assert plan(10, {1, 4}) == [4, 4, 4]
    assert plan(40, {8, 32}) == [32, 8]


def test_a_batch_without_its_compiled_size_is_answered_and_asks_for_it_once():
    spec = ModelSpec(blocks=[{"filters": 3, "kernel": 3}], latent_dim=7)  # an architecture of this test only
    inf = Inference(spec, steps.flatten_params(steps.init_params(spec)[1]))
    images = np.random.default_rng(2).random((5, 28, 28), np.float32)
    inf.compile("explore_ssim", 1)
    batched = inf.explore_quantised(images, images, ssim=True)  # five calls of one image: 8 is not compiled
    assert inf.take_wanted() == [("explore_ssim", 8)] and inf.take_wanted() == []
    inf.explore_quantised(images, images, ssim=True)
    assert inf.take_wanted() == []  # handed out once, whoever compiles it
    inf.compile("explore_ssim", 8)
    padded = inf.explore_quantised(images, images, ssim=True)  # one call padded to 8
    np.testing.assert_allclose(padded.latent, batched.latent, atol=1e-5)
    np.testing.assert_allclose(padded.ssim, batched.ssim, atol=1e-5)
    for name, (lo, hi, q) in padded.layers.items():
        np.testing.assert_allclose(lo, batched.layers[name][0], atol=1e-5)
        np.testing.assert_allclose(hi, batched.layers[name][1], atol=1e-5)
        assert np.abs(q.astype(int) - batched.layers[name][2].astype(int)).max() <= 1, name
    assert inf.all_batch_kinds()[0] == ("explore_ssim", 32) and len(inf.all_batch_kinds()) == 8
