"""The decoder file (`checkpoint.decoder_file`) and the fixture the browser's decoder is tested against.

frontend/src/lib/decoder/decoder.test.ts decodes the committed latents with the committed files and checks
every decoder layer against what the model here computed: the two implementations agree on real files.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import numpy as np
from safetensors.numpy import load

from aevp.ml import checkpoint, steps
from aevp.ml.inference import Inference
from aevp.ml.spec import ModelSpec
from tests.service.bundles import metadata

FIXTURE = Path(__file__).resolve().parents[3] / "frontend/src/lib/decoder/fixtures/decoder-cases.json"

# Every activation, both kernel sizes, and a 4x4 -> 7x7 transposed convolution (cropped from 8x8).
CASES = {
    "gelu-three-blocks": ModelSpec(
        blocks=[{"filters": 3, "kernel": 3}, {"filters": 2, "kernel": 5}, {"filters": 2, "kernel": 3}],
        latent_dim=3, activation="gelu", seed=1,
    ),
    "silu-kernel5": ModelSpec(blocks=[{"filters": 2, "kernel": 5}], latent_dim=2, activation="silu", seed=2),
    "relu": ModelSpec(blocks=[{"filters": 1, "kernel": 3}], latent_dim=2, activation="relu", seed=3),
    "leaky-relu": ModelSpec(blocks=[{"filters": 1, "kernel": 3}], latent_dim=2, activation="leaky_relu", seed=4),
    "tanh-vae": ModelSpec(blocks=[{"filters": 1, "kernel": 3}], latent_dim=2, activation="tanh", variant="vae", seed=5),
}


def _rounded(a: np.ndarray) -> list[float]:
    return [float(f"{x:.7g}") for x in np.asarray(a, np.float64).ravel()]


def fixture_case(spec: ModelSpec) -> dict:
    params = steps.flatten_params(steps.init_params(spec)[1])
    latent = np.random.default_rng(spec.seed).normal(size=(1, spec.latent_dim)).astype(np.float32) * 2
    recon, acts = Inference(spec, params).decode_explore(latent)
    return {
        "file_base64": base64.b64encode(checkpoint.decoder_file(spec, params)).decode(),
        "latent": _rounded(latent[0]),
        # Each layer's activation as the model computes it, (H, W, C) or (D,) flattened row-major.
        "expected": {name: _rounded(a[0]) for name, a in acts.items()},
        "reconstruction": _rounded(recon[0]),
    }


def test_the_decoder_file_holds_the_decoder_tensors_and_its_layer_rows() -> None:
    spec = CASES["gelu-three-blocks"]
    params = steps.flatten_params(steps.init_params(spec)[1])
    data = checkpoint.decoder_file(spec, params)
    tensors = load(data)
    rows = [r for r in spec.layers() if r.part == "decoder"]
    assert [r.name for r in rows] == ["dec_dense", "dec_tconv1", "dec_tconv2", "dec_tconv3", "output"]
    assert sorted(tensors) == sorted(f"{r.name}.{p}" for r in rows for p in ("kernel", "bias"))
    assert all(np.array_equal(tensors[k], params[k]) for k in tensors)
    meta = metadata(data)
    layers = json.loads(meta["layers"])
    assert meta["activation"] == "gelu" and [x["shape"] for x in layers] == [
        [4, 4, 2], [7, 7, 2], [14, 14, 2], [28, 28, 3], [28, 28, 1]
    ]


def _comparable(cases: dict) -> dict:
    """The fixture with each file read back: safetensors writes its metadata keys in no fixed order."""

    def read(file_base64: str) -> dict:
        data = base64.b64decode(file_base64)
        return {"metadata": metadata(data), "tensors": {k: v.tolist() for k, v in load(data).items()}}

    return {name: {**case, "file_base64": read(case["file_base64"])} for name, case in cases.items()}


def test_the_frontend_decoder_fixture_is_current() -> None:
    """Set AEVP_UPDATE_FIXTURES=1 to rewrite it after changing the decoder or the file's layout."""
    cases = {name: fixture_case(spec) for name, spec in CASES.items()}
    if os.environ.get("AEVP_UPDATE_FIXTURES"):
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(json.dumps(cases) + "\n")
    assert FIXTURE.is_file() and _comparable(json.loads(FIXTURE.read_text())) == _comparable(cases), (
        "stale frontend fixture decoder-cases.json: run with AEVP_UPDATE_FIXTURES=1 and commit it"
    )
