"""Network safety against real servers: the Host allow-list (DNS rebinding), Origin checks on state-changing
requests and WebSockets (CSRF, cross-site sockets), the access token and its cookie, and `aevp serve` on
0.0.0.0 making a token and printing the link that carries it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from aevp.service import netguard
from aevp.service.app import create_app
from aevp.settings import Settings
from tests.service.conftest import ALLOWED_ORIGIN, PRETRAINED_ID, make_settings, ws_connect
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData
from tests.service.test_serve_cli import free_port

TOKEN = "s3cret-token-for-the-tests"
EXPLORE = f"/ws/models/{PRETRAINED_ID}/explore"
VALIDATE = "/api/specs/validate"


def test_a_foreign_host_is_refused_and_loopback_names_pass(client: httpx.Client, server: LiveServer) -> None:
    for host in ("evil.example", f"evil.example:{server.port}", "10.0.0.5"):
        refused = client.get("/api/models", headers={"host": host})
        assert refused.status_code == 400, host
        assert "AEVP_ALLOWED_HOSTS" in refused.json()["detail"]
    for host in ("localhost", f"localhost:{server.port}", "127.0.0.1:1", f"[::1]:{server.port}"):
        assert client.get("/api/health", headers={"host": host}).status_code == 200, host


def test_a_post_from_a_foreign_origin_is_refused(client: httpx.Client, server: LiveServer) -> None:
    spec = {"latent_dim": 8}
    foreign = client.post(VALIDATE, json=spec, headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403 and "Origin" in foreign.json()["detail"]
    # Same origin (any port spelling), an allowed origin, and no Origin at all (curl) pass.
    for origin in (server.url, f"http://localhost:{server.port}", ALLOWED_ORIGIN, None):
        headers = {"origin": origin} if origin else {}
        if origin and "localhost" in origin:
            headers["host"] = f"localhost:{server.port}"
        assert client.post(VALIDATE, json=spec, headers=headers).status_code == 200, origin
    # Another port on the same host is another origin.
    assert client.post(VALIDATE, json=spec, headers={"origin": "http://127.0.0.1:1"}).status_code == 403


def test_an_upload_from_a_foreign_origin_is_refused_and_nothing_is_stored(client: httpx.Client) -> None:
    before = client.get("/api/models").json()
    files = {"file": ("m.safetensors", b"\0" * 64, "application/octet-stream")}
    refused = client.post("/api/models/upload", files=files, headers={"origin": "https://evil.example"})
    assert refused.status_code == 403
    assert client.get("/api/models").json() == before
    # A GET with a foreign Origin is no state change: CORS decides whether the page may read it.
    assert client.get("/api/models", headers={"origin": "https://evil.example"}).status_code == 200


def test_a_websocket_from_a_foreign_origin_is_refused_with_a_message(server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        ws_connect(server, EXPLORE, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    assert "not allowed" in json.loads(refused.value.response.body)["detail"]
    with ws_connect(server, EXPLORE, origin=server.url) as ws:  # the lab's own origin
        ws.send(json.dumps({"type": "decode", "request_id": 1, "latent": [0.0] * 16}))
        assert json.loads(ws.recv(timeout=60))["request_id"] == 1


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory, pretrained_dir: Path) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("token")
    (tmp / "dist").mkdir()
    (tmp / "dist" / "index.html").write_text("<!doctype html><title>AeVP lab</title>")
    settings = make_settings(
        tmp, pretrained_dir=pretrained_dir, warm_models=False, token=TOKEN, frontend_dir=tmp / "dist"
    )
    live = LiveServer(create_app(settings, data=SyntheticData())).start()
    yield live
    live.stop()


def test_the_token_flow_no_token_401_then_a_link_sets_the_cookie(token_server: LiveServer) -> None:
    with httpx.Client(base_url=token_server.url, timeout=60) as client:
        assert client.get("/api/health").status_code == 200  # open for compose's healthcheck
        for path in ("/api/models", "/", "/docs"):
            refused = client.get(path)
            assert refused.status_code == 401, path
            assert "access token" in refused.json()["detail"] and refused.headers["www-authenticate"]
        assert client.get("/api/models", params={"token": "wrong-token-of-length"}).status_code == 401
        # The link: a page that keeps the cookie and reloads itself without the token in the address.
        landing = client.get("/", params={"token": TOKEN, "tab": "train"})
        assert landing.status_code == 200 and 'url=/?tab=train"' in landing.text and TOKEN not in landing.text
        cookie = landing.headers["set-cookie"]
        for flag in ("aevp_token=", "HttpOnly", "SameSite=Strict", "Path=/"):
            assert flag in cookie
        # From now on the cookie alone lets the lab work: the page, the API and a POST from its own origin.
        assert "AeVP lab" in client.get("/").text
        assert client.get("/api/models").status_code == 200
        spec = {"latent_dim": 8}
        assert client.post(VALIDATE, json=spec, headers={"origin": token_server.url}).status_code == 200
        # The cookie goes along on a cross-site request too (SameSite aside): the Origin check refuses it.
        assert client.post(VALIDATE, json=spec, headers={"origin": "http://evil.example"}).status_code == 403
    with httpx.Client(base_url=token_server.url, timeout=60) as script:
        bearer = {"authorization": f"Bearer {TOKEN}"}
        first = script.get("/api/models", headers=bearer)
        assert first.status_code == 200 and "aevp_token=" in first.headers["set-cookie"]
        # A token in the request lets a script post from anywhere: no page can know it.
        script.cookies.clear()
        crossing = script.post(VALIDATE, json={"latent_dim": 8}, headers={**bearer, "origin": "http://evil.example"})
        assert crossing.status_code == 200


def test_websockets_need_the_token_too(token_server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        ws_connect(token_server, EXPLORE)
    assert refused.value.response.status_code == 401
    request = {"type": "decode", "request_id": 2, "latent": [0.0] * 16}
    for extra in (
        {"additional_headers": {"cookie": f"aevp_token={TOKEN}"}, "origin": token_server.url},
        {"additional_headers": {"authorization": f"Bearer {TOKEN}"}},
    ):
        with ws_connect(token_server, EXPLORE, **extra) as ws:
            ws.send(json.dumps(request))
            assert json.loads(ws.recv(timeout=60))["request_id"] == 2
    with pytest.raises(InvalidStatus) as cross:  # a token does not make a foreign page's socket welcome
        ws_connect(
            token_server, EXPLORE, origin="http://evil.example", additional_headers={"cookie": f"aevp_token={TOKEN}"}
        )
    assert cross.value.response.status_code == 403


def test_settings_that_would_expose_the_server_are_refused(tmp_path: Path) -> None:
    with pytest.raises(netguard.UnsafeSettings, match="needs an access token"):
        create_app(make_settings(tmp_path, host="0.0.0.0"), data=SyntheticData())
    with pytest.raises(netguard.UnsafeSettings, match="too short"):
        create_app(make_settings(tmp_path, token="short"), data=SyntheticData())


def test_host_and_origin_helpers() -> None:
    assert netguard.strip_port("Example.ORG:8080") == "example.org"
    assert netguard.strip_port("[::1]:8000") == "[::1]" and netguard.strip_port("::1") == "::1"
    assert netguard.same_origin("http://localhost", "localhost:80")
    assert netguard.same_origin("https://lab.example.org", "lab.example.org")
    assert not netguard.same_origin("http://lab.example.org:8080", "lab.example.org")
    assert not netguard.same_origin("null", "localhost:8000")
    assert netguard.split_hosts("a.example, B.example:80  c") == ["a.example", "b.example", "c"]
    settings = Settings(host="0.0.0.0", token=TOKEN, public_url="http://lab.example.org:8080/")
    assert netguard.access_link(settings, 8000) == f"http://lab.example.org:8080/?token={TOKEN}"
    assert "lab.example.org" in netguard.allowed_hosts(settings)


def test_serve_on_all_interfaces_makes_a_token_and_prints_its_link(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AEVP_")}
    env.update(
        AEVP_MODELS_DIR=str(tmp_path / "models"),
        AEVP_PRETRAINED_DIR=str(tmp_path / "none"),
        AEVP_DATA_DIR=str(tmp_path / "data"),
        AEVP_MAPS_DIR=str(tmp_path / "maps"),
        AEVP_FRONTEND_DIR=str(tmp_path / "no-dist"),
        AEVP_WARM_MODELS="0",
    )
    aevp = Path(sys.executable).with_name("aevp")
    command = [str(aevp), "serve", "--host", "0.0.0.0", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "".join(output)
            time.sleep(0.1)
        text = "".join(output)
        link = re.search(rf"http://(\S+):{port}/\?token=([\w-]+)", text)
        assert link is not None, text
        token = link.group(2)
        assert len(token) >= netguard.MIN_TOKEN_CHARS and "AEVP_TOKEN" in text
        with httpx.Client(base_url=url) as client:
            assert client.get("/api/models").status_code == 401
            assert client.get("/api/models", headers={"host": "evil.example"}).status_code == 400
            # Bound beyond loopback, an address as Host is fine (no DNS name, no rebinding); still 401.
            assert client.get("/api/models", headers={"host": f"10.1.2.3:{port}"}).status_code == 401
            answer = client.get("/api/models", params={"token": token})
            assert answer.status_code == 200 and "aevp_token" in answer.headers["set-cookie"]
            assert client.get("/api/models").status_code == 200  # the cookie
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_serve_refuses_a_guessable_token(tmp_path: Path) -> None:
    env = {**os.environ, "AEVP_TOKEN": "abc", "AEVP_MODELS_DIR": str(tmp_path / "models")}
    aevp = Path(sys.executable).with_name("aevp")
    done = subprocess.run(
        [str(aevp), "serve", "--host", "0.0.0.0", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    assert done.returncode == 2 and "too short" in done.stderr
