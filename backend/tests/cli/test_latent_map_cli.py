import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from aevp.cli import app
from aevp.cli.mapimage import TABLEAU10, render_map
from aevp.ml import checkpoint
from aevp.ml.spec import ModelSpec
from tests.service.conftest import random_params
from tests.service.synthetic import SyntheticData


@pytest.fixture
def synthetic(monkeypatch):
    data = SyntheticData(n_train=16, n_test=200).load("mnist")
    monkeypatch.setattr("aevp.cli.latent_map.load_dataset", lambda name, data_dir=None: data)
    return data


def saved(env, latent_dim: int) -> str:
    spec = ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=latent_dim)
    return checkpoint.save(env / "models", spec, random_params(spec), {}, None)


def _run(*args):
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def classes_drawn(path) -> set[int]:
    pixels = {tuple(p) for p in np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3).tolist()}
    return {i for i, c in enumerate(TABLEAU10) if (int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)) in pixels}


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_latent_map_writes_a_png_with_every_class(env, synthetic, method):
    model_id = saved(env, 4)
    target = env / "out" / f"{method}.png"
    code, out = _run("latent-map", model_id, "--method", method, "--out", str(target))
    assert code == 0, out
    assert "Wrote" in out and "200 test images" in out
    assert Image.open(target).size == (1020, 840)
    assert classes_drawn(target) == set(np.unique(synthetic.test_labels).tolist())


def test_latent_plane_only_for_2d_models(env, synthetic):
    code, out = _run("latent-map", saved(env, 4), "--method", "latent", "--out", str(env / "x.png"))
    assert code == 2 and "2-D latent" in out and not (env / "x.png").exists()
    code, out = _run("latent-map", saved(env, 2), "--method", "latent", "--out", str(env / "y.png"))
    assert code == 0 and (env / "y.png").is_file(), out


def test_clear_failures(env, synthetic):
    assert _run("latent-map", "no-such-model")[0] == 1
    code, out = _run("latent-map", saved(env, 4), "--method", "isomap")
    assert code == 2 and "isomap" in out
    code, out = _run("latent-map", saved(env, 4), "--out", str(env / "map.jpg"))
    assert code == 2 and ".png" in out


def test_project_is_the_hidden_old_name(env, synthetic):
    target = env / "old.png"
    code, out = _run("project", saved(env, 4), "--out", str(target))
    assert code == 0 and "Wrote" in out and "200 test images" in out and target.is_file(), out
    assert "'project' is deprecated" in out  # said on stderr, before the same work as `latent-map`
    assert classes_drawn(target) == set(np.unique(synthetic.test_labels).tolist())
    code, out = _run("project", "no-such-model")
    assert code == 1 and "no model 'no-such-model'" in out
    code, listing = _run("--help")
    assert code == 0 and "latent-map" in listing and "project" not in listing


def test_render_map_rejects_mismatched_input():
    image = render_map(np.zeros((3, 2)), np.array([0, 1, 12]), ["a", "b"], "t")  # unknown names: the number
    assert image.mode == "RGB"
    with pytest.raises(ValueError):
        render_map(np.zeros((3, 2)), np.zeros(4), [], "t")
