"""`aevp serve`: the real command, serving the API and a built frontend from one port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_aevp_serve_serves_api_docs_and_frontend(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>AeVP lab</title>")
    (dist / "assets" / "app.js").write_text("console.log('hi')")
    port = free_port()
    env = {
        **os.environ,
        "AEVP_MODELS_DIR": str(tmp_path / "models"),
        "AEVP_STATE_DIR": str(tmp_path / "state"),  # not the user's own job records
        "AEVP_PRETRAINED_DIR": str(tmp_path / "none"),
        "AEVP_FRONTEND_DIR": str(dist),
        "AEVP_DATA_DIR": str(tmp_path / "data"),
    }
    aevp = Path(sys.executable).with_name("aevp")
    process = subprocess.Popen(
        [str(aevp), "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "aevp serve did not start"
            time.sleep(0.1)
        with httpx.Client(base_url=url) as client:
            health = client.get("/api/health").json()
            assert {k: health.pop(k) for k in ("status", "models", "executor")} == {
                "status": "ready", "models": 0, "executor": "local"
            }
            assert health.keys() == {"warming"} and isinstance(health["warming"], bool)
            assert "AeVP lab" in client.get("/").text
            assert client.get("/assets/app.js").text == "console.log('hi')"
            assert client.get("/docs").status_code == 200
            assert client.get("/openapi.json").json()["info"]["title"] == "AeVP"
            missing = client.get("/api/nope")
            assert missing.status_code == 404 and missing.json()["detail"]
            # No datasets fetched in this data folder: listed as not cached, and training says why.
            assert not any(d["cached"] for d in client.get("/api/datasets").json())
            job = client.post("/api/jobs", json={"spec": {"epochs": 1}})
            assert job.status_code == 409 and "aevp data fetch" in job.json()["detail"]
    finally:
        process.terminate()
        process.wait(timeout=30)
