"""Every REST route against a real server, including the errors each one documents."""

from __future__ import annotations

import base64
import json

import httpx
import numpy as np
import pytest

from aevp.ml.spec import ModelSpec
from tests.service.bundles import metadata
from tests.service.conftest import ALLOWED_ORIGIN, PRETRAINED_ID, TINY, image_of
from tests.service.server import LiveServer


def test_health_ready(client: httpx.Client) -> None:
    health = client.get("/api/health").json()
    assert health["status"] == "ready" and health["models"] >= 2  # the two pretrained, and any trained since


def test_ws_schema_lists_every_message(client: httpx.Client) -> None:
    schema = client.get("/api/ws-schema").json()
    assert set(schema["properties"]) == {
        "job_stream", "explore_client", "explore_server", "explore_binary", "projection_stream"
    }
    assert set(schema["properties"]["projection_stream"]["discriminator"]["mapping"]) == {
        "map_progress",
        "map_ready",
        "error",
    }
    mapping = schema["properties"]["job_stream"]["discriminator"]["mapping"]
    assert set(mapping) == {
        "hello", "history", "losses", "progress", "epoch", "snapshot", "timeline_frame", "end", "error"
    }
    for name, definition in schema["$defs"].items():
        if name in ("ExploreMessage", "DecodeMessage"):  # explore protocol 2 answers in binary frames
            assert definition["properties"]["v"]["enum"] == [1, 2], name
        elif name.endswith("Message"):
            assert definition["properties"]["v"]["const"] == 1, name
        elif name.endswith("ResultHeader"):
            assert definition["properties"]["v"]["const"] == 2, name


def test_datasets(client: httpx.Client) -> None:
    datasets = {d["name"]: d for d in client.get("/api/datasets").json()}
    assert set(datasets) == {"mnist", "fashion-mnist", "quickdraw"}
    fashion = datasets["fashion-mnist"]
    assert fashion["title"] == "Fashion-MNIST" and fashion["verified"] and fashion["train_size"] == 512
    assert fashion["classes"][0] == {"index": 0, "name": "T-shirt/top"} and len(fashion["classes"]) == 10


def test_samples(client: httpx.Client) -> None:
    page = client.get("/api/datasets/mnist/samples", params={"label": 3, "limit": 4}).json()
    assert page["split"] == "test" and page["total"] > 4 and len(page["items"]) == 4
    for item in page["items"]:
        assert item["label"] == 3 and len(item["image"]) == 784 and 0 <= min(item["image"]) <= max(item["image"]) <= 255
    train = client.get("/api/datasets/mnist/samples", params={"split": "train", "offset": 510, "limit": 5}).json()
    assert [i["index"] for i in train["items"]] == [510, 511]
    assert client.get("/api/datasets/nope/samples").status_code == 404
    bad_label = client.get("/api/datasets/mnist/samples", params={"label": 12})
    assert bad_label.status_code == 422 and "label 12" in bad_label.json()["detail"][0]["msg"]
    assert client.get("/api/datasets/mnist/samples", params={"limit": 0}).status_code == 422


def test_samples_of_an_unfetched_dataset_say_so(server: LiveServer, client: httpx.Client) -> None:
    server.services.data.missing = ("mnist",)
    try:
        response = client.get("/api/datasets/mnist/samples")
    finally:
        server.services.data.missing = ()
    assert response.status_code == 409 and "not available" in response.json()["detail"]


def test_validate_spec(client: httpx.Client) -> None:
    report = client.post("/api/specs/validate", json={}).json()
    spec = ModelSpec()
    assert report["valid"] is True and report["params"] == spec.param_count
    assert [row["name"] for row in report["layers"]] == [row.name for row in spec.layers()]
    assert report["layers"][0]["shape"] == [28, 28, 32]
    invalid = client.post("/api/specs/validate", json={"latent_dim": 0, "blocks": [{"filters": 8, "kernel": 4}]})
    assert invalid.status_code == 422
    locs = {tuple(e["loc"]) for e in invalid.json()["detail"]}
    assert ("body", "latent_dim") in locs and ("body", "blocks", 0, "kernel") in locs
    too_big = client.post("/api/specs/validate", json={"blocks": [{"filters": 128, "kernel": 5}] * 3})
    assert too_big.status_code == 422 and "MFLOP" in too_big.json()["detail"][0]["msg"]


def test_models_list_and_detail(client: httpx.Client) -> None:
    models = client.get("/api/models").json()
    pretrained = next(m for m in models if m["id"] == PRETRAINED_ID)
    assert pretrained["pretrained"] and pretrained["title"] == "AE-32-64-L16 · MNIST"
    assert pretrained["params"] == ModelSpec().param_count and pretrained["metrics"]["psnr"] == 12.0
    detail = client.get(f"/api/models/{PRETRAINED_ID}").json()
    assert [row["name"] for row in detail["layers"]] == [row.name for row in ModelSpec().layers()]
    assert detail["history"]["losses"] == [0.7, 0.6, 0.5] and detail["history"]["epochs"][0]["psnr"] == 12.0
    assert client.get("/api/models/nope").status_code == 404
    assert client.get("/api/models/..%2F..%2Fetc").status_code == 404


def test_latent_stats(client: httpx.Client) -> None:
    stats = client.get(f"/api/models/{PRETRAINED_ID}/latent-stats").json()
    assert stats["count"] == 128 and len(stats["dims"]) == 16
    for dim in stats["dims"]:
        values = [dim[k] for k in ("p1", "p5", "p25", "p50", "p75", "p95", "p99")]
        assert values == sorted(values) and dim["std"] >= 0
    assert client.get(f"/api/models/{PRETRAINED_ID}/latent-stats").json() == stats  # cached


def test_delete(client: httpx.Client, user_model: str) -> None:
    forbidden = client.delete(f"/api/models/{PRETRAINED_ID}")
    assert forbidden.status_code == 403 and "pretrained" in forbidden.json()["detail"]
    assert client.delete(f"/api/models/{user_model}").status_code == 204
    assert client.get(f"/api/models/{user_model}").status_code == 404
    assert client.delete(f"/api/models/{user_model}").status_code == 404


def test_download_upload_round_trip(client: httpx.Client, user_model: str) -> None:
    download = client.get(f"/api/models/{user_model}/download")
    assert download.status_code == 200 and download.headers["content-type"] == "application/octet-stream"
    assert f'filename="{user_model}.safetensors"' in download.headers["content-disposition"]
    upload = client.post("/api/models/upload", files={"file": ("m.safetensors", download.content)})
    assert upload.status_code == 201, upload.text
    uploaded = upload.json()
    assert uploaded["id"] != user_model and uploaded["spec"] == TINY.model_dump() and not uploaded["pretrained"]
    image = image_of(1)
    a = client.post(f"/api/models/{user_model}/explore", json={"image": image}).json()
    b = client.post(f"/api/models/{uploaded['id']}/explore", json={"image": image}).json()
    assert a["latent"] == b["latent"]


def test_decoder_file_holds_the_decoder_of_the_model(client: httpx.Client, user_model: str) -> None:
    from safetensors.numpy import load

    response = client.get(f"/api/models/{user_model}/decoder")
    assert response.status_code == 200 and response.headers["content-type"] == "application/octet-stream"
    tensors = load(response.content)
    everything = load(client.get(f"/api/models/{user_model}/download").content)
    rows = [r for r in TINY.layers() if r.part == "decoder"]
    assert sorted(tensors) == sorted(f"{r.name}.{p}" for r in rows for p in ("kernel", "bias"))
    for name, value in tensors.items():
        assert value.dtype == np.float32 and np.array_equal(value, everything[name]), name
    meta = metadata(response.content)
    assert meta["format"] == "aevp-decoder-1" and meta["activation"] == TINY.activation
    layers = json.loads(meta["layers"])
    assert [(x["name"], x["kind"], tuple(x["shape"])) for x in layers] == [(r.name, r.kind, r.shape) for r in rows]
    assert layers[-1]["activation"] == "sigmoid" and layers[0]["kind"] == "dense"
    assert client.get("/api/models/no-such-model/decoder").status_code == 404
    assert client.get("/api/models/..%2Fetc/decoder").status_code in (404, 422)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "too short"),
        (b"\x00" * 64, "not a safetensors"),
        (b"\x80\x04\x95" + b"pickle" * 20, "not a safetensors"),
    ],
)
def test_upload_rejects_what_is_not_a_model(client: httpx.Client, content: bytes, fragment: str) -> None:
    response = client.post("/api/models/upload", files={"file": ("x.safetensors", content)})
    assert response.status_code == 422 and fragment in response.json()["detail"][0]["msg"]


def test_upload_size_limit(server: LiveServer, client: httpx.Client) -> None:
    limit = server.services.settings.max_upload_bytes
    response = client.post("/api/models/upload", files={"file": ("big.safetensors", b"\x00" * (limit + 1))})
    assert response.status_code == 413 and str(limit) in response.json()["detail"]
    assert client.post("/api/models/upload").status_code == 422  # no file at all
    boundary = b"b0undary"

    def multipart():
        yield b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\n'
        for _ in range(limit // 65536 + 2):
            yield b"\x00" * 65536
        yield b"\r\n--" + boundary + b"--\r\n"

    streamed = client.post(
        "/api/models/upload",
        content=multipart(),
        headers={"content-type": "multipart/form-data; boundary=b0undary"},
    )
    assert streamed.status_code == 413 and str(limit) in streamed.json()["detail"]


def test_explore_and_decode(client: httpx.Client) -> None:
    result = client.post(f"/api/models/{PRETRAINED_ID}/explore", json={"image": image_of(3)}).json()
    assert len(result["latent"]) == 16 and len(result["reconstruction"]) == 784
    rows = [r for r in ModelSpec().layers() if r.name != "latent"]
    for act, row in zip(result["activations"], rows, strict=True):
        shape = row.shape if len(row.shape) == 3 else (1, 1, row.shape[0])
        assert act["tensor"]["shape"] == [shape[2], shape[0], shape[1]]
        assert len(base64.b64decode(act["tensor"]["data"])) == int(np.prod(shape))
    flat = np.asarray(image_of(3)).reshape(-1).tolist()
    assert (
        client.post(f"/api/models/{PRETRAINED_ID}/explore", json={"image": flat}).json()["latent"] == result["latent"]
    )
    decoded = client.post(f"/api/models/{PRETRAINED_ID}/decode", json={"latent": result["latent"]}).json()
    assert decoded["reconstruction"] == pytest.approx(result["reconstruction"], abs=1e-4)
    # SSIM and PSNR of the answer are those of its own reconstruction against the input
    from aevp.ml.metrics import reconstruction_metrics

    image = np.asarray(image_of(3), np.float32)
    image = image / 255.0 if image.max() > 1 else image
    _, psnr, ssim = reconstruction_metrics(image, np.asarray(result["reconstruction"], np.float32).reshape(28, 28))
    assert result["ssim"] == pytest.approx(ssim, abs=1e-4) and result["psnr"] == pytest.approx(psnr, abs=1e-3)
    decoder = [r for r in rows if r.part == "decoder"]
    assert [a["name"] for a in decoded["activations"]] == [r.name for r in decoder]
    for act, row in zip(decoded["activations"], decoder, strict=True):
        shape = row.shape if len(row.shape) == 3 else (1, 1, row.shape[0])
        assert act["part"] == "decoder" and act["kind"] == row.kind
        assert act["tensor"]["shape"] == [shape[2], shape[0], shape[1]]
        assert len(base64.b64decode(act["tensor"]["data"])) == int(np.prod(shape))


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"image": [[0.5] * 28] * 27}, "27 rows"),
        ({"image": [0.5] * 100}, "100 values"),
        ({"image": [[0.5] * 28] * 27 + [[0.5] * 27 + [300]]}, "pixel (27, 27) is 300"),
        ({"image": [[0.5] * 28] * 27 + [[0.5] * 27 + ["x"]]}, "pixel (27, 27)"),
        ({"image": "abc"}, "must be a list"),
        ({}, "field required"),
        ({"image": [0.5] * 784, "extra": 1}, "extra inputs"),
    ],
)
def test_explore_rejects_bad_images(client: httpx.Client, body: dict, fragment: str) -> None:
    response = client.post(f"/api/models/{PRETRAINED_ID}/explore", json=body)
    assert response.status_code == 422
    assert fragment in " ".join(e["msg"] for e in response.json()["detail"]).lower()


def test_decode_rejects_wrong_length(client: httpx.Client) -> None:
    response = client.post(f"/api/models/{PRETRAINED_ID}/decode", json={"latent": [0.0] * 3})
    assert response.status_code == 422 and "16 latent dimensions" in response.json()["detail"]
    assert client.post("/api/models/nope/decode", json={"latent": [0.0]}).status_code == 404


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(
    ("path", "template"),
    [
        (f"/api/models/{PRETRAINED_ID}/decode", '{"latent": [0.1, %s]}'),
        ("/api/specs/validate", '{"learning_rate": %s}'),
        ("/api/jobs", '{"spec": {"learning_rate": %s}}'),
        (f"/api/models/{PRETRAINED_ID}/explore", '{"image": [[%s]]}'),
    ],
)
def test_nan_and_infinity_are_4xx_naming_the_token(client: httpx.Client, path: str, template: str, token: str) -> None:
    response = client.post(path, content=template % token, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert token.lstrip("-") in response.json()["detail"][0]["msg"]


def test_malformed_json_and_wrong_methods(client: httpx.Client) -> None:
    bad = client.post("/api/specs/validate", content=b"{", headers={"content-type": "application/json"})
    assert bad.status_code == 422 and "JSON decode error" in bad.json()["detail"][0]["msg"]
    assert client.put("/api/models").status_code == 405
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and "/api/nothing-here" in missing.json()["detail"]


def test_json_body_limit(client: httpx.Client) -> None:
    huge = b'{"latent": [' + b"0," * 600_000 + b"0]}"
    response = client.post(
        f"/api/models/{PRETRAINED_ID}/decode", content=huge, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413

    def chunks():  # no Content-Length: the limit applies while the body streams in
        yield b'{"latent": ['
        for _ in range(200):
            yield b"0," * 5000
        yield b"0]}"

    streamed = client.post(
        f"/api/models/{PRETRAINED_ID}/decode", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413 and "limit" in streamed.json()["detail"]


def test_cors_only_for_configured_origins(client: httpx.Client) -> None:
    allowed = client.get("/api/health", headers={"origin": ALLOWED_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    foreign = client.get("/api/health", headers={"origin": "http://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers
    preflight = client.options(
        "/api/jobs", headers={"origin": "http://evil.example", "access-control-request-method": "POST"}
    )
    assert preflight.status_code == 400


def test_docs_and_openapi(client: httpx.Client) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids)) >= 21  # unique ids (the client generator needs them)
    for path in spec["paths"].values():
        for op in path.values():
            assert op.get("summary") and op.get("description"), op["operationId"]


def test_a_model_folder_broken_on_disk_is_a_409_not_a_500(
    server: LiveServer, client: httpx.Client, user_model: str
) -> None:
    weights = server.services.settings.models_dir / user_model / "weights.safetensors"
    weights.write_bytes(b"broken")
    for path in (f"/api/models/{user_model}", *(f"/api/models/{user_model}/{x}" for x in ("download", "decoder"))):
        response = client.get(path)
        assert response.status_code == 409 and user_model in response.json()["detail"], path
    assert client.post(f"/api/models/{user_model}/explore", json={"image": image_of(1)}).status_code == 409
    assert client.delete(f"/api/models/{user_model}").status_code == 204  # and it can still be removed


def test_latent_map_pca(server: LiveServer, client: httpx.Client) -> None:
    proj = client.get(f"/api/models/{PRETRAINED_ID}/latent-map", params={"method": "pca"}).json()
    n = proj["count"]
    assert proj["method"] == "pca" and len(proj["points"]) == n == len(proj["labels"]) and n > 0
    assert all(len(p) == 2 for p in proj["points"]) and len(proj["components"]) == 2
    assert len(proj["mean"]) == 16 and all(len(c) == 16 for c in proj["components"])
    assert 0 < proj["explained_variance"][1] <= proj["explained_variance"][0] < 1
    # the returned components place a latent where the map put its test image
    sample = client.get("/api/datasets/mnist/samples", params={"limit": 1, "offset": 5}).json()["items"][0]
    latent = client.post(f"/api/models/{PRETRAINED_ID}/explore", json={"image": sample["image"]}).json()["latent"]
    z = np.asarray(latent) - np.asarray(proj["mean"])
    assert (np.asarray(proj["components"]) @ z).tolist() == pytest.approx(proj["points"][5], abs=1e-3)
    assert proj["labels"][5] == sample["label"]
    assert client.get(f"/api/models/{PRETRAINED_ID}/latent-map").json() == proj  # cached, pca by default
    # the axes are the principal axes of the test latents (aevp.ml.pca's PCA, recomputed here)
    z = server.services.models.latents.test_latents(PRETRAINED_ID).astype(np.float64)
    centred = z - z.mean(axis=0)
    eigenvalues = np.linalg.eigvalsh(centred.T @ centred)[::-1]
    assert proj["mean"] == pytest.approx(z.mean(axis=0).tolist(), abs=1e-6)
    assert proj["explained_variance"] == pytest.approx((eigenvalues[:2] / eigenvalues.sum()).tolist(), rel=1e-6)
    spread = np.asarray(proj["components"]) @ centred.T  # variance along each axis is its eigenvalue
    assert (spread**2).sum(axis=1).tolist() == pytest.approx(eigenvalues[:2].tolist(), rel=1e-6)
    assert client.get(f"/api/models/{PRETRAINED_ID}/latent-map", params={"method": "isomap"}).status_code == 422
    assert client.get("/api/models/no-such-model/latent-map").status_code == 404
