"""A real uvicorn server in a background thread, on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI


class LiveServer:
    def __init__(self, app: FastAPI, ready_timeout_s: float = 120.0) -> None:
        self.app = app
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # A fixed 256 KiB send buffer instead of Linux's autotuned one (up to 4 MiB): a client that stops
        # reading blocks the server's sends after 256 KiB, which the streaming tests rely on.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 * 1024)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        # As `aevp serve` runs it: no per-message deflate (CPU per message; base64 barely shrinks).
        config = uvicorn.Config(
            app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5, ws_per_message_deflate=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.ready_timeout_s = ready_timeout_s

    @property
    def services(self) -> Any:
        return self.app.state.services

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not become ready")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()
