"""/ws/models/{id}/explore against a real server: shapes, latest-wins, errors that keep the socket open."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import time

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from aevp.ml.spec import ModelSpec
from tests.service.conftest import PRETRAINED_ID, expect_error_then_close, image_of, wait_until, ws_connect
from tests.service.server import LiveServer

PATH = f"/ws/models/{PRETRAINED_ID}/explore"


def explore_message(request_id: int, image: list | None = None) -> str:
    flat = np.asarray(image if image is not None else image_of(3)).reshape(-1).tolist()
    return json.dumps({"v": 1, "type": "explore", "request_id": request_id, "image": flat})


def dequantise(tensor: dict) -> np.ndarray:
    """A Tensor8's values, shape [C, H, W]."""
    c = tensor["shape"][0]
    q = np.frombuffer(base64.b64decode(tensor["data"]), np.uint8).astype(np.float64).reshape(c, -1)
    lo, hi = np.asarray(tensor["lo"])[:, None], np.asarray(tensor["hi"])[:, None]
    return (lo + (hi - lo) * q / 255).reshape(tensor["shape"])


def check_activations(activations: list[dict], rows: list) -> None:
    """Names, parts, kinds and Tensor8 shapes of `activations` are those of the layer-table `rows`, in order."""
    assert [a["name"] for a in activations] == [r.name for r in rows]
    for act, row in zip(activations, rows, strict=True):
        tensor = act["tensor"]
        h, w, c = row.shape if len(row.shape) == 3 else (1, 1, row.shape[0])
        assert tensor["shape"] == [c, h, w], row.name
        assert len(tensor["lo"]) == len(tensor["hi"]) == c
        assert len(base64.b64decode(tensor["data"])) == c * h * w
        assert act["part"] == row.part and act["kind"] == row.kind


def test_explore_result_matches_the_layer_table(server: LiveServer) -> None:
    with ws_connect(server, PATH) as ws:
        ws.send(explore_message(7))
        result = json.loads(ws.recv(timeout=30))
    assert result["type"] == "explore_result" and result["v"] == 1 and result["request_id"] == 7
    layers = ModelSpec().layers()
    assert len(result["latent"]) == 16 and len(result["reconstruction"]) == 784
    assert all(0 <= v <= 1 for v in result["reconstruction"])
    check_activations(result["activations"], [r for r in layers if r.name != "latent"])
    assert result["mse"] >= 0 and result["psnr"] > 0 and -1 <= result["ssim"] <= 1


def test_decode_result_carries_the_decoder_rows_of_the_layer_table(server: LiveServer) -> None:
    latent = np.random.default_rng(3).normal(size=16).round(4).tolist()
    with ws_connect(server, PATH) as ws:
        ws.send(json.dumps({"v": 1, "type": "decode", "request_id": 9, "latent": latent}))
        result = json.loads(ws.recv(timeout=30))
    assert result["type"] == "decode_result" and result["v"] == 1 and result["request_id"] == 9
    assert set(result) == {"v", "type", "request_id", "reconstruction", "activations", "map_positions"}
    assert result["map_positions"] is None  # no `maps` asked for
    assert len(result["reconstruction"]) == 784 and all(0 <= v <= 1 for v in result["reconstruction"])
    decoder = [r for r in ModelSpec().layers() if r.part == "decoder"]
    assert decoder[0].name == "dec_dense" and decoder[-1].name == "output"
    check_activations(result["activations"], decoder)
    # The output layer's heatmap is the reconstruction itself (quantised to a byte).
    out = result["activations"][-1]["tensor"]
    step = (out["hi"][0] - out["lo"][0]) / 255
    assert dequantise(out).ravel() == pytest.approx(result["reconstruction"], abs=step / 2 + 1e-6)


def test_explore_matches_rest_and_decode_round_trip(server: LiveServer, client) -> None:
    image = image_of(5)
    rest = client.post(f"/api/models/{PRETRAINED_ID}/explore", json={"image": image}).json()
    with ws_connect(server, PATH) as ws:
        ws.send(explore_message(1, image))
        over_ws = json.loads(ws.recv(timeout=30))
        ws.send(json.dumps({"v": 1, "type": "decode", "request_id": 2, "latent": over_ws["latent"]}))
        decoded = json.loads(ws.recv(timeout=30))
    assert over_ws["latent"] == pytest.approx(rest["latent"], abs=1e-5)
    assert decoded["type"] == "decode_result" and decoded["request_id"] == 2
    assert decoded["reconstruction"] == pytest.approx(over_ws["reconstruction"], abs=1e-4)
    # The drawing's own latent decodes to the drawing's decoder heatmaps (up to a quantisation step).
    explored = {a["name"]: a["tensor"] for a in over_ws["activations"] if a["part"] == "decoder"}
    assert [a["name"] for a in decoded["activations"]] == list(explored)
    for act in decoded["activations"]:
        mine, theirs = act["tensor"], explored[act["name"]]
        assert mine["shape"] == theirs["shape"]
        step = max(h - lo for lo, h in zip(theirs["lo"], theirs["hi"], strict=True)) / 255
        assert np.abs(dequantise(mine) - dequantise(theirs)).max() <= step + 1e-4, act["name"]


def test_pixels_0_255_mean_the_same_image(server: LiveServer) -> None:
    image = np.asarray(image_of(2))
    with ws_connect(server, PATH) as ws:
        ws.send(explore_message(1, image.tolist()))
        as_unit = json.loads(ws.recv(timeout=30))
        ws.send(explore_message(2, np.rint(image * 255).astype(int).tolist()))
        as_bytes = json.loads(ws.recv(timeout=30))
    assert as_bytes["latent"] == pytest.approx(as_unit["latent"], abs=2e-2)


def test_newest_request_wins_when_they_pile_up(server: LiveServer) -> None:
    n = 60
    with ws_connect(server, PATH) as ws:
        for i in range(n):
            ws.send(explore_message(i))
        answered = []
        while not answered or answered[-1] != n - 1:
            answered.append(json.loads(ws.recv(timeout=30))["request_id"])
    assert answered == sorted(answered), "answers come in request order"
    assert len(answered) < n, "older requests were skipped, not queued"


@pytest.mark.parametrize(
    ("message", "fragment"),
    [
        ("not json", "invalid json"),
        ('{"v": 1, "type": "explore", "request_id": 3, "image": [1, 2]}', "image has 2 values"),
        (
            '{"v": 1, "type": "explore", "request_id": 4, "image": [' + ",".join(["0.5"] * 783) + ", NaN]}",
            "pixel",
        ),
        ('{"v": 1, "type": "decode", "request_id": 5, "latent": [1, 2]}', "16 latent dimensions"),
        ('{"v": 1, "type": "telepathy", "request_id": 6}', "telepathy"),
        ('{"v": 2, "type": "decode", "request_id": 7, "latent": [0]}', "v"),
        (
            '{"type": "explore", "request_id": 8, "image": ' + json.dumps([[-1] * 28] * 28) + "}",
            "pixel (0, 0)",
        ),
        ("[]", "should be an object"),
    ],
)
def test_malformed_messages_get_an_error_and_the_socket_stays_open(
    server: LiveServer, message: str, fragment: str
) -> None:
    with ws_connect(server, PATH) as ws:
        ws.send(message)
        error = json.loads(ws.recv(timeout=30))
        assert error["type"] == "error" and error["v"] == 1
        assert fragment.lower() in error["message"].lower(), error["message"]
        request_id = json.loads(message).get("request_id") if message.startswith("{") else None
        assert error["request_id"] == request_id
        ws.send(explore_message(99))
        assert json.loads(ws.recv(timeout=30))["request_id"] == 99


def test_binary_frames_are_refused_politely(server: LiveServer) -> None:
    with ws_connect(server, PATH) as ws:
        ws.send(b"\x00\x01")
        assert "binary" in json.loads(ws.recv(timeout=30))["message"]
        ws.send(explore_message(1))
        assert json.loads(ws.recv(timeout=30))["type"] == "explore_result"


def test_unknown_model_closes_with_4404(server: LiveServer) -> None:
    with ws_connect(server, "/ws/models/no-such-model/explore") as ws:
        expect_error_then_close(ws, "no-such-model", 4404)


def test_foreign_origin_is_refused_and_allowed_origin_accepted(server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        ws_connect(server, PATH, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    with ws_connect(server, PATH, origin="http://allowed.example") as ws:
        ws.send(explore_message(1))
        assert json.loads(ws.recv(timeout=30))["request_id"] == 1


def test_too_many_clients_are_told_to_come_back(server: LiveServer) -> None:
    sockets = server.services.limits.sockets
    # Earlier tests' sockets close on the server a moment after their clients: wait, or one closing
    # after the cap is set would free the slot the second socket must not get.
    wait_until(lambda: sockets.connected == 0, timeout_s=30)
    saved = sockets.max_total
    sockets.max_total = 1
    try:
        with ws_connect(server, PATH) as first, ws_connect(server, PATH) as second:
            expect_error_then_close(second, "too many", 1013)
            first.send(explore_message(1))
            assert json.loads(first.recv(timeout=30))["request_id"] == 1
    finally:
        sockets.max_total = saved


def test_a_client_that_stops_reading_is_dropped_after_the_send_timeout(server: LiveServer) -> None:
    sockets = server.services.limits.sockets
    # The earlier tests' sockets are closed first: one closing meanwhile would hide this one's count.
    wait_until(lambda: sockets.connected == 0, timeout_s=30)
    before = sockets.connected
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)  # before connecting: a small window
    raw.connect(("127.0.0.1", server.port))
    # max_queue=1: the client stops reading from the socket once one message waits unread.
    with connect(server.ws_url + PATH, sock=raw, compression=None, max_size=None, max_queue=1) as ws:
        wait_until(lambda: sockets.connected == before + 1)
        started = time.monotonic()
        with contextlib.suppress(ConnectionClosed, OSError, TimeoutError):
            for i in range(2000):  # each answer is ~100 KiB: the server's sends block within a few dozen
                ws.send(explore_message(i))
                if sockets.connected == before:
                    break
                time.sleep(0.02)
        wait_until(lambda: sockets.connected == before, timeout_s=30)
    timeout = server.services.settings.ws_send_timeout_s
    assert time.monotonic() - started >= timeout  # dropped by the send timeout, not at once
