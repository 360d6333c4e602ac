"""The binary answer codec and the batched quantisation (aevp.service.frames), with no server."""

from __future__ import annotations

import base64
import struct

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
