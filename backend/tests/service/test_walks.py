"""Latent-space walks through the service: interpolation strips, dimension sweeps, prior samples, and the
corruption a denoising model's explorer applies to the user's drawing."""

from __future__ import annotations

import base64

import httpx
import numpy as np
import pytest

from tests.service.conftest import PRETRAINED_ID, PRETRAINED_VAE_ID, image_of
from tests.service.server import LiveServer


def images_of(batch: dict) -> np.ndarray:
    raw = np.frombuffer(base64.b64decode(batch["data"]), np.uint8)
    assert raw.size == batch["count"] * batch["height"] * batch["width"]
    return raw.reshape(batch["count"], batch["height"], batch["width"])


def test_interpolation_decodes_a_strip_from_a_to_b(server: LiveServer, client: httpx.Client) -> None:
    a, b = image_of(1), image_of(7)
    r = client.post(f"/api/models/{PRETRAINED_ID}/interpolate", json={"a": a, "b": b, "steps": 6})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["path"] == "linear"  # the default for a plain autoencoder
    latents, strip = np.array(body["latents"]), images_of(body["images"])
    assert latents.shape == (6, 16) and strip.shape == (6, 28, 28)
    ends = [client.post(f"/api/models/{PRETRAINED_ID}/explore", json={"image": x}).json() for x in (a, b)]
    np.testing.assert_allclose(latents[0], ends[0]["latent"], atol=1e-4)
    np.testing.assert_allclose(latents[-1], ends[1]["latent"], atol=1e-4)
    np.testing.assert_allclose(np.diff(latents, axis=0), np.diff(latents, axis=0)[:1].repeat(5, 0), atol=1e-4)
    # The first image is a's reconstruction, to the byte.
    recon_a = np.round(np.array(ends[0]["reconstruction"]).reshape(28, 28) * 255)
    assert np.abs(strip[0].astype(int) - recon_a).max() <= 1
    assert len({s.tobytes() for s in strip}) == 6


def test_a_vae_interpolates_spherically_unless_told_otherwise(client: httpx.Client) -> None:
    a, b = image_of(2), image_of(5)
    url = f"/api/models/{PRETRAINED_VAE_ID}/interpolate"
    assert client.post(url, json={"a": a, "b": b}).json()["path"] == "spherical"
    linear = client.post(url, json={"a": a, "b": b, "path": "linear"}).json()
    assert linear["path"] == "linear" and len(linear["latents"]) == 8


def test_traverse_sweeps_two_dimensions_as_a_row_major_grid(client: httpx.Client) -> None:
    stats = client.get(f"/api/models/{PRETRAINED_ID}/latent-stats").json()["dims"]
    centre = [0.5] * 16
    r = client.post(
        f"/api/models/{PRETRAINED_ID}/traverse", json={"latent": centre, "dims": [3, 1], "steps": 4, "span": 2}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    xs, ys = np.array(body["values"][0]), np.array(body["values"][1])
    np.testing.assert_allclose([xs[0], xs[-1]], [0.5 - 2 * stats[3]["std"], 0.5 + 2 * stats[3]["std"]], rtol=1e-4)
    np.testing.assert_allclose([ys[0], ys[-1]], [0.5 - 2 * stats[1]["std"], 0.5 + 2 * stats[1]["std"]], rtol=1e-4)
    latents = np.array(body["latents"])
    assert latents.shape == (16, 16) and images_of(body["images"]).shape == (16, 28, 28)
    np.testing.assert_allclose(latents[:, 3].reshape(4, 4), np.tile(xs, (4, 1)), atol=1e-4)
    np.testing.assert_allclose(latents[:, 1].reshape(4, 4), np.tile(ys[:, None], (1, 4)), atol=1e-4)
    np.testing.assert_allclose(np.delete(latents, [1, 3], axis=1), 0.5)

    strip = client.post(f"/api/models/{PRETRAINED_ID}/traverse", json={"latent": centre, "dims": [0]}).json()
    assert images_of(strip["images"]).shape == (9, 28, 28)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"latent": [0.0] * 16, "dims": [0, 16]}, "out of range"),
        ({"latent": [0.0] * 16, "dims": [2, 2]}, "differ"),
        ({"latent": [0.0] * 3, "dims": [0]}, "3 values"),
        ({"latent": [0.0] * 16, "dims": [0], "steps": 17}, "16"),
        ({"latent": [0.0] * 16, "dims": []}, "at least 1"),
    ],
)
def test_traverse_rejects_bad_requests_with_422(client: httpx.Client, body: dict, fragment: str) -> None:
    r = client.post(f"/api/models/{PRETRAINED_ID}/traverse", json=body)
    assert r.status_code == 422 and fragment in r.text, r.text


def test_samples_come_from_a_vae_prior_reproducibly(client: httpx.Client) -> None:
    url = f"/api/models/{PRETRAINED_VAE_ID}/samples"
    first = client.post(url, json={"count": 5, "seed": 3}).json()
    assert images_of(first["images"]).shape == (5, 28, 28) and np.array(first["latents"]).shape == (5, 16)
    assert client.post(url, json={"count": 5, "seed": 3}).json() == first
    assert client.post(url, json={"count": 5, "seed": 4}).json()["latents"] != first["latents"]
    plain = client.post(f"/api/models/{PRETRAINED_ID}/samples", json={})
    assert plain.status_code == 409 and "only a VAE" in plain.json()["detail"]
    assert client.post(url, json={"count": 65}).status_code == 422
    assert client.post("/api/models/nope/samples", json={}).status_code == 404


def test_explore_with_corruption_returns_what_the_encoder_saw(client: httpx.Client) -> None:
    image = image_of(4)
    url = f"/api/models/{PRETRAINED_ID}/explore"
    clean = client.post(url, json={"image": image}).json()
    assert clean["corrupted"] is None
    body = {"image": image, "corruption": {"kind": "mask", "level": 0.5, "seed": 1}}
    noisy = client.post(url, json=body).json()
    seen, original = np.array(noisy["corrupted"]), np.array(image).ravel()
    lit = original > 0
    assert 0.3 < (seen[lit] == 0).mean() < 0.7  # about half of the lit pixels masked
    np.testing.assert_allclose(seen[seen > 0], original[seen > 0], atol=1e-6)
    assert noisy["latent"] != clean["latent"]
    recon = np.array(noisy["reconstruction"])
    assert noisy["mse"] == pytest.approx(float(((recon - original) ** 2).mean()), rel=1e-4)  # against the clean one
    assert client.post(url, json=body).json()["corrupted"] == noisy["corrupted"]  # same seed, same noise
    bad = client.post(url, json={"image": image, "corruption": {"kind": "blur", "level": 0.5}})
    assert bad.status_code == 422


def test_explore_socket_applies_corruption(server: LiveServer) -> None:
    import json

    from tests.service.conftest import ws_connect

    with ws_connect(server, f"/ws/models/{PRETRAINED_ID}/explore") as ws:
        msg = {"type": "explore", "request_id": 1, "image": image_of(4),
               "corruption": {"kind": "gaussian", "level": 0.3}}
        ws.send(json.dumps(msg))
        answer = json.loads(ws.recv(timeout=30))
    assert answer["type"] == "explore_result" and len(answer["corrupted"]) == 784
