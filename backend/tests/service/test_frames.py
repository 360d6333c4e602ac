"""The binary answer codec and the batched quantisation (aevp.service.frames), with no server."""

from __future__ import annotations

import base64
import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from aevp.ml.spec import ModelSpec
from aevp.service import encode, frames
from aevp.service.schemas.explore import DecodeResultHeader, ExploreResultHeader


def test_quantise_batch_gives_the_bytes_of_tensor8_per_image() -> None:
    rng = np.random.default_rng(0)
    for shape in [(5, 7, 7, 3), (5, 28, 28), (5, 16)]:
        batch = rng.normal(size=shape).astype(np.float32)
        batch[2] = 1.5  # a flat image: span 0, all zeros
        batch[3].flat[4] = np.nan  # a diverged one: shown as zeros, not garbage
        out_shape, lo, hi, q = frames.quantise_batch(batch)
        for i in range(shape[0]):
            one = encode.tensor8(batch[i])
            assert out_shape == one.shape
            assert q[i].tobytes() == base64.b64decode(one.data), (shape, i)
            assert lo[i].tolist() == pytest.approx(one.lo) and hi[i].tolist() == pytest.approx(one.hi)


def answer(rng: np.random.Generator) -> frames.Answer:
    table = ModelSpec().layers()
    acts = {
        "enc_conv1": rng.normal(size=(2, 28, 28, 32)).astype(np.float32),
        "dec_dense": rng.normal(size=(2, 3136)).astype(np.float32),
    }
    layers = frames.batch_layers(table, acts, [None, frozenset({"dec_dense"})])
    assert [x.name for x in layers[0]] == ["enc_conv1", "dec_dense"] and [x.name for x in layers[1]] == ["dec_dense"]
    latent = np.array([0.5, np.nan, -2.0], np.float32)
    arrays = {"latent": latent, "reconstruction": rng.uniform(size=784).astype(np.float32)}
    return frames.Answer("explore_result", arrays, layers[0], {"mse": 0.01, "psnr": 20.0, "ssim": None})


def test_binary_frame_round_trip() -> None:
    a = answer(np.random.default_rng(1))
    frame = frames.binary_frame(a, 42, {"map_positions": {"tsne": [1.0, 2.0]}})
    (size,) = struct.unpack_from("<I", frame)
    assert (4 + size) % 4 == 0  # the body starts aligned, so float32 arrays are views
    header, arrays = frames.read_frame(frame)
    ExploreResultHeader.model_validate(header)  # the hot path's dict is what the schema says
    assert header["v"] == 2 and header["request_id"] == 42 and header["ssim"] is None
    assert header["map_positions"] == {"tsne": [1.0, 2.0]}
    assert np.array_equal(arrays["latent"], a.arrays["latent"], equal_nan=True)
    assert np.array_equal(arrays["reconstruction"], a.arrays["reconstruction"])
    for layer, described in zip(a.layers, header["layers"], strict=True):
        assert described == {"name": layer.name, "part": layer.part, "kind": layer.kind, "shape": layer.shape}
        assert arrays[layer.name].tobytes() == layer.data
        assert np.array_equal(arrays[f"{layer.name}.lo"], layer.lo)
        assert np.array_equal(arrays[f"{layer.name}.hi"], layer.hi)
    assert all(offset % 4 == 0 for _, _, offset, _ in header["arrays"])
    # 28x28x32 bytes + 3136 bytes + the floats: a fraction of protocol 1's base64-in-JSON answer.
    assert len(frame) < 25088 + 3136 + 4 * (3 + 784 + 2 * 33) + 1024


def test_json_fields_are_protocol_one() -> None:
    a = answer(np.random.default_rng(2))
    fields = frames.json_fields(a)
    assert fields["latent"] == [0.5, None, -2.0] and fields["ssim"] is None
    tensor = fields["activations"][0]["tensor"]
    assert tensor["shape"] == [32, 28, 28] and base64.b64decode(tensor["data"]) == a.layers[0].data


def test_decode_header_validates() -> None:
    rng = np.random.default_rng(3)
    layers = frames.batch_layers(ModelSpec().layers(), {"output": rng.uniform(size=(1, 28, 28, 1))}, [None])
    a = frames.Answer("decode_result", {"reconstruction": rng.uniform(size=784).astype(np.float32)}, layers[0])
    header, arrays = frames.read_frame(frames.binary_frame(a, 7))
    DecodeResultHeader.model_validate(header)
    assert [x["name"] for x in header["layers"]] == ["output"] and arrays["output"].size == 784


# The frontend's decoder (frontend/src/api/exploreFrames.test.ts) reads these frames (base64) and checks them
# against the values stored beside them: the Python encoder and the TypeScript decoder agree on committed frames.
FIXTURES = Path(__file__).resolve().parents[3] / "frontend" / "src" / "api" / "fixtures"


def fixture_answers() -> dict[str, tuple[frames.Answer, int, dict]]:
    rng = np.random.default_rng(15)
    conv = rng.normal(size=(1, 3, 3, 2)).astype(np.float32)
    shape, lo, hi, q = frames.quantise_batch(conv)
    layer = frames.Layer("enc_conv1", "encoder", "conv", shape, lo[0], hi[0], q[0].tobytes())
    dshape, dlo, dhi, dq = frames.quantise_batch(rng.normal(size=(1, 5)).astype(np.float32))
    dense = frames.Layer("dec_dense", "decoder", "dense", dshape, dlo[0], dhi[0], dq[0].tobytes())
    latent = np.array([0.25, np.nan, -1.5], np.float32)
    recon = rng.uniform(size=784).astype(np.float32)
    explore = frames.Answer(
        "explore_result",
        {"latent": latent, "reconstruction": recon, "latent_sigma": np.array([1, 0.5, 2], np.float32),
         "corrupted": rng.uniform(size=784).astype(np.float32)},
        [layer, dense],
        {"mse": 0.0125, "psnr": 19.03, "ssim": None},
    )
    decode = frames.Answer("decode_result", {"reconstruction": recon[::-1].copy()}, [dense])
    return {"explore": (explore, 7, {"map_positions": {"tsne": [1.5, -2.0]}}), "decode": (decode, 8, {})}


def expected(answer: frames.Answer, request_id: int, extra: dict) -> dict:
    out = {"type": answer.type, "request_id": request_id, **answer.scalars, **extra}
    out.update({k: [None if np.isnan(x) else float(x) for x in a] for k, a in answer.arrays.items()})
    out["activations"] = [
        {"name": x.name, "part": x.part, "kind": x.kind, "shape": x.shape, "lo": x.lo.tolist(), "hi": x.hi.tolist(),
         "data": list(x.data)}
        for x in answer.layers
    ]
    return out


def test_the_frontend_fixture_is_current() -> None:
    """Set AEVP_UPDATE_FIXTURES=1 to rewrite the fixtures after changing the frame layout."""
    stale = []
    for name, (answer, request_id, extra) in fixture_answers().items():
        frame = base64.b64encode(frames.binary_frame(answer, request_id, extra)).decode()
        content = {"frame_base64": frame, "expected": expected(answer, request_id, extra)}
        files = {FIXTURES / f"{name}-frame.json": (json.dumps(content) + "\n").encode()}
        for path, data in files.items():
            if os.environ.get("AEVP_UPDATE_FIXTURES"):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            elif not path.is_file() or path.read_bytes() != data:
                stale.append(path.name)
    assert not stale, f"stale frontend fixtures {stale}: run with AEVP_UPDATE_FIXTURES=1 and commit them"
