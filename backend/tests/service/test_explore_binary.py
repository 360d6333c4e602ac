"""Explore protocol 2 on a real server: binary answers, batching across sockets, only the layers asked for."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from aevp.ml.spec import ModelSpec
from aevp.service import frames
from aevp.service.schemas.explore import DecodeResultHeader, ExploreResultHeader
from tests.service.conftest import PRETRAINED_ID, image_of, ws_connect
from tests.service.server import LiveServer
from tests.service.synthetic import make_images

PATH = f"/ws/models/{PRETRAINED_ID}/explore"


def explore2(request_id: int, image: np.ndarray, **extra: object) -> str:
    flat = np.asarray(image).reshape(-1).round(4).tolist()
    return json.dumps({"v": 2, "type": "explore", "request_id": request_id, "image": flat, **extra})


def recv_frame(ws) -> tuple[dict, dict[str, np.ndarray]]:  # noqa: ANN001
    data = ws.recv(timeout=60)
    assert isinstance(data, bytes), data
    return frames.read_frame(data)


def test_binary_answer_has_every_layer_and_the_metrics(server: LiveServer) -> None:
    with ws_connect(server, PATH) as ws:
        ws.send(explore2(3, np.asarray(image_of(3))))
        header, arrays = recv_frame(ws)
    ExploreResultHeader.model_validate(header)
    assert header["type"] == "explore_result" and header["request_id"] == 3 and header["v"] == 2
    rows = [r for r in ModelSpec().layers() if r.name != "latent"]
    assert [x["name"] for x in header["layers"]] == [r.name for r in rows]
    for layer, row in zip(header["layers"], rows, strict=True):
        h, w, c = row.shape if len(row.shape) == 3 else (1, 1, row.shape[0])
        assert layer["shape"] == [c, h, w] and arrays[layer["name"]].size == c * h * w
        assert arrays[layer["name"] + ".lo"].size == c
    assert arrays["latent"].shape == (16,) and arrays["reconstruction"].shape == (784,)
    assert header["mse"] >= 0 and -1 <= header["ssim"] <= 1


def test_sockets_at_once_each_get_their_own_image_in_order(server: LiveServer, client) -> None:  # noqa: ANN001
    images, _ = make_images(24, 11)
    images = images.astype(np.float32) / 255.0
    expected = [
        client.post(f"/api/models/{PRETRAINED_ID}/explore", json={"image": im.round(4).tolist()}).json()["latent"]
        for im in images[:8]
    ]
    batcher = server.services.models.loaded.batcher
    before = (batcher.batches, batcher.items)
    start = threading.Barrier(8)
    got: dict[int, list] = {}

    def user(k: int) -> None:
        with ws_connect(server, PATH) as ws:
            start.wait()
            answers = []
            for n in range(3):  # three requests one after another on one socket: answered in order
                ws.send(explore2(100 * k + n, images[(k + 8 * n) % 24]))
                answers.append(recv_frame(ws))
            got[k] = answers

    threads = [threading.Thread(target=user, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(got) == list(range(8))
    for k, answers in got.items():
        assert [h["request_id"] for h, _ in answers] == [100 * k + n for n in range(3)]
        # Each socket's first answer is the latent of its own image (as the REST route, one image alone, says).
        assert answers[0][1]["latent"].tolist() == pytest.approx(expected[k], abs=1e-4)
    batches, items = batcher.batches - before[0], batcher.items - before[1]
    assert items == 24 and batches < items  # 24 socket requests, some of them computed together


def test_only_the_layers_asked_for_and_no_ssim(server: LiveServer) -> None:
    image = np.asarray(image_of(4))
    with ws_connect(server, PATH) as ws:
        ws.send(explore2(1, image, layers=["enc_conv2", "output"], ssim=False))
        header, arrays = recv_frame(ws)
        assert [x["name"] for x in header["layers"]] == ["enc_conv2", "output"] and header["ssim"] is None
        assert header["mse"] is not None and "enc_conv1" not in arrays
        ws.send(explore2(2, image, layers=[]))
        header, _ = recv_frame(ws)
        assert header["layers"] == [] and header["ssim"] is not None
        latent = np.zeros(16).tolist()
        ws.send(json.dumps({"v": 2, "type": "decode", "request_id": 3, "latent": latent, "layers": ["dec_tconv1"]}))
        header, arrays = recv_frame(ws)
        DecodeResultHeader.model_validate(header)
        assert [x["name"] for x in header["layers"]] == ["dec_tconv1"] and arrays["reconstruction"].size == 784
        ws.send(json.dumps({"v": 2, "type": "decode", "request_id": 4, "latent": latent}))
        header, _ = recv_frame(ws)
        assert [x["part"] for x in header["layers"]] == ["decoder"] * len(header["layers"]) and header["layers"]
        ws.send(explore2(5, image, layers=["enc_conv9"]))
        error = json.loads(ws.recv(timeout=30))
    assert error["type"] == "error" and error["request_id"] == 5 and "enc_conv9" in error["message"]
