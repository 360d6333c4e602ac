"""A client that never reads its socket costs training nothing and the server bounded memory.

The default architecture on synthetic data (compiled once first). Throughput: runs alternate between no
client and a client that connected and never reads (its receive window is tiny, so the server's sends
really do block); the best stalled run must reach 90% of the best headless run (best-of, because other
work on a shared 2-core machine only ever slows a run down; rounds three to six run only while the
earlier ones do not settle it, which happens when other processes load the machine). Then the stalled
client must be dropped once it has accepted nothing for `ws_send_timeout_s`, with the process's memory
unchanged.
"""

from __future__ import annotations

import base64
import os
import socket
import time
from collections.abc import Callable

import httpx
import pytest

from aevp.ml.spec import ModelSpec
from tests.service.conftest import wait_for_job, wait_until
from tests.service.server import LiveServer

# The default architecture, 512 images in batches of 32: 16 steps per epoch, about 2.5 s for 3 epochs.
SPEC = ModelSpec(batch_size=32, epochs=3)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def stalled_client(server: LiveServer, job_id: str) -> socket.socket:
    """Opens the job's WebSocket with a 4 KiB receive buffer and never reads a byte."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /ws/jobs/{job_id} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    return sock


def run(client: httpx.Client, spec: ModelSpec, attach: Callable[[str], socket.socket] | None = None) -> float:
    """Images per second of one job, optionally with a client attached from its start."""
    job = client.post("/api/jobs", json={"spec": spec.model_dump()}).json()
    held = attach(job["id"]) if attach else None
    try:
        done = wait_for_job(client, job["id"], timeout_s=300, poll_s=0.25)
    finally:
        if held is not None:
            held.close()
    assert done["state"] == "done", done["error"]
    return done["progress"]["images_per_s"]


@pytest.fixture(scope="module")
def compiled(client_module: httpx.Client) -> None:
    run(client_module, SPEC.model_copy(update={"epochs": 1}))


@pytest.fixture(scope="module")
def client_module(server: LiveServer) -> httpx.Client:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def test_never_reading_client_does_not_slow_training(
    server: LiveServer, client_module: httpx.Client, compiled: None
) -> None:
    headless: list[float] = []
    stalled: list[float] = []
    memory_before = rss_mb()
    for round_ in range(6):  # more rounds only while other load on the machine hides the answer
        headless.append(run(client_module, SPEC))
        stalled.append(run(client_module, SPEC, attach=lambda job_id: stalled_client(server, job_id)))
        # Each round's pair side by side: the machine's speed drifts between rounds (other load, 529 ->
        # 371 images/s over one CI run), so one round's best against another round's measures the drift.
        ratio = max(s / h for s, h in zip(stalled, headless, strict=True))
        if round_ >= 1 and ratio >= 0.9:
            break
    print(
        f"\nimages/s headless {[round(x) for x in headless]}, with a never-reading client "
        f"{[round(x) for x in stalled]}: {ratio:.1%}; memory {rss_mb() - memory_before:+.1f} MB"
    )
    assert ratio >= 0.9


def test_stalled_client_is_dropped_and_memory_stays_flat(
    server: LiveServer, client_module: httpx.Client, compiled: None
) -> None:
    hub = server.services.hub
    hub.send_timeout_s, saved = 0.5, hub.send_timeout_s
    dropped = hub.stats.dropped_slow
    job_id = client_module.post("/api/jobs", json={"spec": SPEC.model_copy(update={"epochs": 50}).model_dump()}).json()[
        "id"
    ]
    memory_before = rss_mb()
    sock = stalled_client(server, job_id)
    try:
        wait_until(lambda: hub.stats.dropped_slow > dropped, timeout_s=60)
        started = time.monotonic()
        wait_until(lambda: time.monotonic() - started > 2)  # keep training (and publishing) a while longer
        growth = rss_mb() - memory_before
    finally:
        hub.send_timeout_s = saved
        sock.close()
        client_module.post(f"/api/jobs/{job_id}/cancel")
        wait_for_job(client_module, job_id)
    print(f"\nstalled client dropped; memory {growth:+.1f} MB")
    assert growth < 64
