"""Latent maps over HTTP and WebSocket: t-SNE/UMAP computed in the background (202, then 200), progress
streamed, the map cached on disk for the next server, the drawing placed on the maps, every bad input
a clear 4xx, and the old `/projection` paths still answering (deprecated)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed

from aevp.service.app import create_app
from aevp.service.map_cache import map_key
from aevp.service.schemas import ModelSpec
from tests.service.conftest import (
    ALLOWED_ORIGIN,
    PRETRAINED_ID,
    TINY,
    make_settings,
    random_params,
    ws_connect,
)
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData

TWO_D = ModelSpec.model_validate({**TINY.model_dump(), "latent_dim": 2})  # (model_copy keeps cached layers)


def wait_for_map(client: httpx.Client, model_id: str, method: str, timeout_s: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = client.get(f"/api/models/{model_id}/latent-map", params={"method": method})
        if response.status_code == 200:
            return response.json()
        assert response.status_code == 202, response.text
        assert response.json()["state"] in ("queued", "running"), response.text
        time.sleep(0.05)
    raise TimeoutError(f"{method} map of {model_id} not ready")


def read_stream(ws, timeout_s: float = 90.0) -> tuple[list[dict], int | None]:
    """Every message until the server closes, and the close code."""
    messages = []
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            messages.append(json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.01))))
        except ConnectionClosed as closed:
            return messages, closed.rcvd.code if closed.rcvd else None


def test_tsne_answers_202_then_the_map_and_places_the_drawing(
    server: LiveServer, client: httpx.Client, user_model: str
) -> None:
    decode = f"/api/models/{user_model}/decode"
    never = client.post(decode, json={"latent": [0.0] * 4, "maps": ["tsne"]})
    assert never.status_code == 200 and never.json()["map_positions"] == {}  # no map yet: nothing placed, no error
    first = client.get(f"/api/models/{user_model}/latent-map", params={"method": "tsne"})
    assert first.status_code == 202, first.text
    status = first.json()
    assert status["model_id"] == user_model and status["method"] == "tsne"
    assert status["state"] in ("queued", "running") and 0 <= status["fraction"] <= 1
    assert status["stream"] == f"/ws/models/{user_model}/latent-map?method=tsne"
    before = client.post(decode, json={"latent": [0.0] * 4, "maps": ["tsne"]}).json()["map_positions"]
    assert before == {} or (list(before) == ["tsne"] and len(before["tsne"]) == 2)  # placed once ready

    latent_map = wait_for_map(client, user_model, "tsne")
    assert latent_map["method"] == "tsne" and latent_map["count"] == 128
    points = np.asarray(latent_map["points"])
    assert points.shape == (128, 2) and np.isfinite(points).all() and len(latent_map["labels"]) == 128
    assert latent_map["explained_variance"] == latent_map["mean"] == latent_map["components"] == []
    assert client.get(f"/api/models/{user_model}/latent-map", params={"method": "tsne"}).json() == latent_map

    # A test image goes where its own point is (the server's explore and the batch encode agree closely).
    test = SyntheticData().load("mnist")
    span = float(np.ptp(points, axis=0).max())
    for i in (0, 5, 77):
        body = {"image": test.test_images[i].tolist(), "maps": ["tsne"]}
        placed = client.post(f"/api/models/{user_model}/explore", json=body).json()["map_positions"]["tsne"]
        assert np.linalg.norm(np.asarray(placed) - points[i]) < 0.02 * span
    plain = client.post(f"/api/models/{user_model}/explore", json={"image": test.test_images[0].tolist()})
    assert plain.json()["map_positions"] is None  # nothing asked, nothing placed

    with ws_connect(server, f"/ws/models/{user_model}/explore") as ws:
        ws.send(json.dumps({"type": "decode", "request_id": 1, "latent": [0.1, 0.2, 0.3, 0.4], "maps": ["tsne"]}))
        ws.send(
            json.dumps({"type": "explore", "request_id": 2, "image": test.test_images[5].tolist(), "maps": ["tsne"]})
        )
        answers = {m["request_id"]: m for m in (json.loads(ws.recv(timeout=30)) for _ in range(2))}
    assert len(answers[1]["map_positions"]["tsne"]) == 2
    assert np.linalg.norm(np.asarray(answers[2]["map_positions"]["tsne"]) - points[5]) < 0.02 * span


def test_the_stream_reports_progress_then_the_map(server: LiveServer, client: httpx.Client, user_model: str) -> None:
    with ws_connect(server, f"/ws/models/{user_model}/latent-map?method=umap") as ws:
        messages, code = read_stream(ws)
    assert code == 1000, messages
    assert all(m["v"] == 1 for m in messages)
    progress = [m for m in messages if m["type"] == "map_progress"]
    assert progress and all(m["method"] == "umap" for m in progress)
    fractions = [m["fraction"] for m in progress]
    assert fractions == sorted(fractions)
    assert messages[-1]["type"] == "map_ready" and messages[-1]["projection"]["method"] == "umap"
    assert len(messages[-1]["projection"]["points"]) == 128
    # Ready now: a second stream sends the map at once (on the old path too), and so does GET.
    for path in ("latent-map", "projection"):
        with ws_connect(server, f"/ws/models/{user_model}/{path}?method=umap") as ws:
            again, code = read_stream(ws, 10)
        assert code == 1000 and [m["type"] for m in again] == ["map_ready"], path
        assert again[0]["projection"] == messages[-1]["projection"]
    assert client.get(f"/api/models/{user_model}/latent-map", params={"method": "umap"}).status_code == 200


def test_a_new_server_reuses_the_map_on_disk_and_deleting_the_model_removes_it(
    tmp_path: Path, pretrained_dir: Path
) -> None:
    settings = make_settings(tmp_path, pretrained_dir=pretrained_dir, warm_models=False)
    first = LiveServer(create_app(settings, data=SyntheticData())).start()
    try:
        model_id = first.services.models.store.save(TINY, random_params(TINY, 3), {}, None).id
        with httpx.Client(base_url=first.url, timeout=60) as client:
            latent_map = wait_for_map(client, model_id, "tsne")
    finally:
        first.stop()
    assert len(list((tmp_path / "maps").glob(f"{model_id}.tsne.*.npz"))) == 1
    second = LiveServer(create_app(settings, data=SyntheticData())).start()
    try:
        with httpx.Client(base_url=second.url, timeout=60) as client:
            response = client.get(f"/api/models/{model_id}/latent-map", params={"method": "tsne"})
            assert response.status_code == 200 and response.json() == latent_map  # no 202: read from disk
            placed = client.post(f"/api/models/{model_id}/decode", json={"latent": [0.0] * 4, "maps": ["tsne"]})
            assert len(placed.json()["map_positions"]["tsne"]) == 2
            assert client.delete(f"/api/models/{model_id}").status_code == 204
    finally:
        second.stop()
    assert not list((tmp_path / "maps").glob(f"{model_id}.*"))


def test_a_model_with_different_weights_does_not_get_the_cached_map(server: LiveServer) -> None:
    store = server.services.models.store
    a = store.get(store.save(TINY, random_params(TINY, 11), {}, None).id).path
    b = store.get(store.save(TINY, random_params(TINY, 12), {}, None).id).path
    labels = SyntheticData().load("mnist").test_labels
    assert map_key("tsne", a, labels) != map_key("tsne", b, labels)
    assert map_key("tsne", a, labels) != map_key("umap", a, labels)
    assert map_key("tsne", a, labels) != map_key("tsne", a, labels[::-1].copy())
    assert map_key("tsne", a, labels) == map_key("tsne", a, labels.copy())


def test_the_latent_plane_of_a_2d_model(server: LiveServer, client: httpx.Client) -> None:
    model_id = server.services.models.store.save(TWO_D, random_params(TWO_D, 4), {}, None).id
    response = client.get(f"/api/models/{model_id}/latent-map", params={"method": "latent"})
    assert response.status_code == 200, response.text
    latent_map = response.json()
    assert latent_map["method"] == "latent" and latent_map["components"] == [[1, 0], [0, 1]]
    assert sum(latent_map["explained_variance"]) == pytest.approx(1.0)
    latents = server.services.models.latents.test_latents(model_id)
    assert np.asarray(latent_map["points"]) == pytest.approx(latents, abs=1e-3)
    placed = client.post(f"/api/models/{model_id}/decode", json={"latent": [0.5, -1.25], "maps": ["latent"]})
    assert placed.json()["map_positions"] == {"latent": [0.5, -1.25]}


def test_bad_requests_are_4xx(server: LiveServer, client: httpx.Client) -> None:
    url = f"/api/models/{PRETRAINED_ID}/latent-map"
    unknown = client.get(url, params={"method": "isomap"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["query", "method"]
    assert client.get("/api/models/no-such-model/latent-map", params={"method": "tsne"}).status_code == 404
    latent = client.get(url, params={"method": "latent"})
    assert latent.status_code == 422 and "2-D latent" in latent.json()["detail"]
    decode = f"/api/models/{PRETRAINED_ID}/decode"
    assert client.post(decode, json={"latent": [0.0] * 16, "maps": ["latent"]}).status_code == 422
    assert client.post(decode, json={"latent": [0.0] * 16, "maps": ["pca"]}).status_code == 422
    assert client.post(decode, json={"latent": [0.0] * 16, "maps": "tsne"}).status_code == 422
    with ws_connect(server, f"/ws/models/{PRETRAINED_ID}/explore") as ws:
        ws.send(json.dumps({"type": "decode", "request_id": 7, "latent": [0.0] * 16, "maps": ["latent"]}))
        error = json.loads(ws.recv(timeout=30))
        assert error["type"] == "error" and error["request_id"] == 7 and "2-D latent" in error["message"]
        ws.send(json.dumps({"type": "decode", "request_id": 8, "latent": [0.0] * 16, "maps": ["nope"]}))
        assert json.loads(ws.recv(timeout=30))["type"] == "error"
    for path, code in (
        (f"/ws/models/{PRETRAINED_ID}/latent-map?method=isomap", 4422),
        (f"/ws/models/{PRETRAINED_ID}/latent-map?method=latent", 4422),
        ("/ws/models/no-such-model/latent-map?method=tsne", 4404),
        ("/ws/models/no-such-model/projection?method=tsne", 4404),
    ):
        with ws_connect(server, path, origin=ALLOWED_ORIGIN) as ws:
            messages, got = read_stream(ws, 30)
        assert got == code and [m["type"] for m in messages] == ["error"], (path, messages)


def test_unfetched_dataset_is_409(tmp_path: Path, pretrained_dir: Path) -> None:
    settings = make_settings(tmp_path, pretrained_dir=pretrained_dir, warm_models=False)
    live = LiveServer(create_app(settings, data=SyntheticData(missing=("mnist",)))).start()
    try:
        spec = ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=4)
        model_id = live.services.models.store.save(spec, random_params(spec), {}, None).id
        with httpx.Client(base_url=live.url, timeout=60) as client:
            response = client.get(f"/api/models/{model_id}/latent-map", params={"method": "tsne"})
        assert response.status_code == 409 and "mnist" in response.json()["detail"]
    finally:
        live.stop()


def test_the_old_projection_path_answers_the_same_and_is_deprecated(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    old = paths["/api/models/{model_id}/projection"]["get"]
    new = paths["/api/models/{model_id}/latent-map"]["get"]
    assert old["operationId"] == "getProjection" and old["deprecated"] is True
    assert new["operationId"] == "getLatentMap" and "deprecated" not in new
    for method in ("pca", "isomap"):
        answers = [
            client.get(f"/api/models/{PRETRAINED_ID}/{path}", params={"method": method})
            for path in ("latent-map", "projection")
        ]
        assert [a.status_code for a in answers] == ([200, 200] if method == "pca" else [422, 422])
        assert answers[0].json() == answers[1].json()
