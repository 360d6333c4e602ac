"""The per-client limits against a real server: sockets per address and in all (1013 with a message), the
idle timeout (4408 with a message), REST rates (429 with Retry-After) and the bounded interactive queue
(503 with Retry-After over REST, an `error` saying "busy" over the explore socket)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from aevp.service.app import create_app
from aevp.service.limits import RateLimiter
from aevp.service.schemas import LatentMapStatus
from tests.service.conftest import (
    PRETRAINED_ID,
    expect_error_then_close,
    image_of,
    make_settings,
    wait_until,
    ws_connect,
)
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData

EXPLORE = f"/ws/models/{PRETRAINED_ID}/explore"
DECODE = f"/api/models/{PRETRAINED_ID}/decode"
LATENT = {"latent": [0.0] * 16}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory, pretrained_dir: Path) -> Iterator[LiveServer]:
    """Small limits: 2 sockets per address, 3 REST requests at once then 1 a second (the idle tests shorten
    the idle timeout while they run: sockets admitted then close after 1 s without a message)."""
    settings = make_settings(
        tmp_path_factory.mktemp("limits"),
        pretrained_dir=pretrained_dir,
        warm_models=False,
        max_ws_per_client=2,
        ws_idle_timeout_s=60.0,
        rate_per_s=1.0,
        rate_burst=3,
    )
    live = LiveServer(create_app(settings, data=SyntheticData())).start()
    yield live
    live.stop()


@pytest.fixture()
def short_idle(limited: LiveServer) -> Iterator[None]:
    settings = limited.services.settings
    saved = settings.ws_idle_timeout_s
    settings.ws_idle_timeout_s = 1.0
    yield
    settings.ws_idle_timeout_s = saved


def from_address(server: LiveServer, address: str) -> socket.socket:
    """A TCP connection to the server from another loopback address: another client, as the server sees it."""
    return socket.create_connection(("127.0.0.1", server.port), source_address=(address, 0))


def test_one_address_gets_its_share_of_sockets_and_others_still_get_in(limited: LiveServer) -> None:
    with ws_connect(limited, EXPLORE) as a, ws_connect(limited, EXPLORE) as b:
        with ws_connect(limited, EXPLORE) as third:
            expect_error_then_close(third, "too many WebSockets from your address (2)", 1013)
        # Another address is not locked out by the first one's sockets.
        with ws_connect(limited, EXPLORE, sock=from_address(limited, "127.0.0.2")) as other:
            other.send(json.dumps({"type": "decode", "request_id": 7, **LATENT}))
            assert json.loads(other.recv(timeout=60))["request_id"] == 7
        for ws in (a, b):
            ws.send(json.dumps({"type": "decode", "request_id": 1, **LATENT}))
            assert json.loads(ws.recv(timeout=60))["request_id"] == 1


def test_the_total_cap_tells_the_client_to_come_back(limited: LiveServer) -> None:
    sockets = limited.services.limits.sockets
    wait_until(lambda: sockets.connected == 0, timeout_s=10)  # the earlier tests' sockets are closed
    saved = sockets.max_total
    sockets.max_total = 1
    try:
        with ws_connect(limited, EXPLORE), ws_connect(limited, EXPLORE, sock=from_address(limited, "127.0.0.3")) as b:
            expect_error_then_close(b, "too many WebSocket clients", 1013)
    finally:
        sockets.max_total = saved


@pytest.mark.usefixtures("short_idle")
def test_an_idle_explore_socket_is_closed_with_a_message(limited: LiveServer) -> None:
    with ws_connect(limited, EXPLORE) as ws:
        ws.send(json.dumps({"type": "decode", "request_id": 1, **LATENT}))
        assert json.loads(ws.recv(timeout=60))["request_id"] == 1
        started = time.monotonic()
        expect_error_then_close(ws, "no request for 1 s", 4408)
        assert 0.8 <= time.monotonic() - started < 10
    wait_until(lambda: limited.services.limits.sockets.connected == 0, timeout_s=5)  # its slot is free


@pytest.mark.usefixtures("short_idle")
def test_a_latent_map_stream_without_progress_is_closed_as_idle(limited: LiveServer) -> None:
    """A map stuck in the queue (here: a status that never moves) ends the stream after the idle time."""
    latents = limited.services.models.latents
    queued = LatentMapStatus(
        model_id=PRETRAINED_ID, method="tsne", state="queued", stage="queued", fraction=0.0, stream="/ws/x"
    )
    latents.map = lambda model_id, method: queued  # type: ignore[method-assign]
    latents.map_status = lambda model_id, method: queued  # type: ignore[method-assign]
    try:
        with ws_connect(limited, f"/ws/models/{PRETRAINED_ID}/latent-map?method=tsne") as ws:
            assert json.loads(ws.recv(timeout=30))["type"] == "map_progress"
            expect_error_then_close(ws, "made no progress for 1 s", 4408)
    finally:
        del latents.map, latents.map_status


def test_rest_explore_decode_and_walks_are_rate_limited_per_client(limited: LiveServer) -> None:
    with httpx.Client(base_url=limited.url, timeout=60) as client:
        time.sleep(3.1)  # a full bucket, whatever earlier tests spent
        codes = [client.post(DECODE, json=LATENT).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        over = client.post(f"/api/models/{PRETRAINED_ID}/explore", json={"image": image_of(3)})
        assert over.status_code == 429
        assert "too many requests" in over.json()["detail"]
        assert int(over.headers["retry-after"]) >= 1
        walk = client.post(f"/api/models/{PRETRAINED_ID}/traverse", json={**LATENT, "dims": [0]})
        assert walk.status_code == 429
        # Reads are not limited, and another address has its own bucket.
        assert client.get("/api/models").status_code == 200
    other = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=limited.url, timeout=60, transport=other) as client:
        assert client.post(DECODE, json=LATENT).status_code == 200
    with httpx.Client(base_url=limited.url, timeout=60) as client:
        time.sleep(1.05)  # one token back
        assert client.post(DECODE, json=LATENT).status_code == 200


def test_a_full_interactive_queue_answers_busy(limited: LiveServer) -> None:
    gate = limited.services.limits.interactive
    saved = gate.limit
    gate.limit = 0  # as if the queue were full
    try:
        time.sleep(1.05)  # a token for the REST request
        with httpx.Client(base_url=limited.url, timeout=60) as client:
            busy = client.post(DECODE, json=LATENT)
        assert busy.status_code == 503
        assert busy.json()["detail"].startswith("busy") and busy.headers["retry-after"] == "1"
        with ws_connect(limited, EXPLORE) as ws:
            ws.send(json.dumps({"type": "decode", "request_id": 5, **LATENT}))
            answer = json.loads(ws.recv(timeout=30))
            assert answer["type"] == "error" and answer["request_id"] == 5 and "busy" in answer["message"]
            gate.limit = saved  # the socket stays open and answers once there is room
            ws.send(json.dumps({"type": "decode", "request_id": 6, **LATENT}))
            assert json.loads(ws.recv(timeout=60))["type"] == "decode_result"
    finally:
        gate.limit = saved


def test_the_rate_limiter_refills_and_forgets_idle_clients() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=2, clock=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("b") == 0.0
    now[0] += 0.5
    assert limiter.take("a") == 0.0
    now[0] += 10
    limiter._forget_idle(now[0])
    assert limiter.buckets == {}


def test_a_closed_socket_frees_its_slot(limited: LiveServer) -> None:
    sockets = limited.services.limits.sockets
    for _ in range(3):  # more than the per-address cap, one after another
        with ws_connect(limited, EXPLORE) as ws:
            ws.send(json.dumps({"type": "decode", "request_id": 1, **LATENT}))
            assert json.loads(ws.recv(timeout=60))["request_id"] == 1
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=1)
    wait_until(lambda: not sockets.per_client, timeout_s=5)
