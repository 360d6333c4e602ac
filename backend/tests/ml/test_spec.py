import pytest
from pydantic import ValidationError

from aevp.ml.spec import ModelSpec


def test_default_layer_table_matches_ae_32_64_l16():
    rows = {r.name: r for r in ModelSpec().layers()}
    assert list(rows) == [
        "enc_conv1", "enc_pool1", "enc_conv2", "enc_pool2", "latent",
        "dec_dense", "dec_tconv1", "dec_tconv2", "output",
    ]
    assert rows["enc_conv1"].shape == (28, 28, 32) and rows["enc_conv1"].params == 320
    assert rows["enc_pool2"].shape == (7, 7, 64)
    assert rows["latent"].shape == (16,) and rows["latent"].params == 3136 * 16 + 16
    assert rows["dec_dense"].shape == (7, 7, 64)
    assert rows["dec_tconv1"].shape == (14, 14, 64) and rows["dec_tconv1"].params == 36928
    assert rows["dec_tconv2"].shape == (28, 28, 32)
    assert rows["output"].shape == (28, 28, 1) and rows["output"].activation == "sigmoid"


def test_default_flops_and_params():
    spec = ModelSpec()
    assert spec.forward_flops == 19_167_232  # 19.17 MFLOP
    assert spec.train_flops == 57_050_112  # 57.05 MFLOP
    assert spec.param_count == 178_001


def test_odd_sizes_mirror_in_decoder():
    spec = ModelSpec(blocks=[{"filters": 8, "kernel": 3}] * 4, downsample="stride")
    enc = [r.shape for r in spec.layers() if r.kind == "conv" and r.part == "encoder"]
    dec = [r.shape[:2] for r in spec.layers() if r.kind == "tconv"]
    assert [s[0] for s in enc] == [14, 7, 4, 2]
    assert dec == [(4, 4), (7, 7), (14, 14), (28, 28)]


def test_kernel_too_big_for_feature_map_names_field_and_limit():
    with pytest.raises(ValidationError) as err:
        ModelSpec(blocks=[{"filters": 8, "kernel": 5}] * 4)
    (e,) = err.value.errors()
    assert e["loc"] == ("blocks",)
    assert "blocks[3].kernel" in e["msg"] and "4x4" in e["msg"]


@pytest.mark.parametrize(
    "field,value",
    [("latent_dim", 0), ("latent_dim", 65), ("blocks", []), ("learning_rate", 0.0),
     ("learning_rate", float("nan")), ("activation", "softmax"), ("batch_size", "128"), ("epochs", 1.5)],
)
def test_out_of_range_fields_rejected_with_their_name(field, value):
    with pytest.raises(ValidationError) as err:
        ModelSpec(**{field: value})
    assert err.value.errors()[0]["loc"][0] == field


def test_filters_limit_and_unknown_variants():
    with pytest.raises(ValidationError):
        ModelSpec(blocks=[{"filters": 129, "kernel": 3}])
    with pytest.raises(ValidationError, match="variant"):
        ModelSpec.model_validate({"variant": "gan"})
    assert ModelSpec(variant="vae").variant == "vae" and ModelSpec(variant="denoising").variant == "denoising"


def test_size_limit(monkeypatch):
    monkeypatch.setattr("aevp.ml.spec.MAX_PARAMS", 100_000)
    with pytest.raises(ValidationError, match="100,000"):
        ModelSpec()


def test_architecture_key_ignores_training_only_fields():
    assert ModelSpec(epochs=1, seed=3).architecture_key() == ModelSpec().architecture_key()
    assert ModelSpec(latent_dim=2).architecture_key() != ModelSpec().architecture_key()
