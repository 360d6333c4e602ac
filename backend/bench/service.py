"""Service latency and streaming cost, measured against a real `aevp serve`-style server process.

    cd backend && python -m bench.service [--seconds 20] [--clients 10] [--requests 500]

Prints: explore and decode round trips over the WebSocket (one image -> every activation, the latent
and the reconstruction), the same explore while a training job runs, and training throughput with
`--clients` streaming WebSocket clients against none. Uses the verified datasets in the data cache
(`aevp data fetch`) and the default model AE-32-64-L16: the shipped pretrained one when present, else
random weights of the same architecture (latency does not depend on the weights). The server runs in
its own process, as in production, so the client's work does not share its interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import numpy as np
from websockets.sync.client import ClientConnection, connect

from aevp.ml.spec import ModelSpec
from aevp.settings import Settings

PRETRAINED_ID = "ae-32-64-l16-mnist"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _default_model(tmp: Path) -> Path:
    """A pretrained folder holding the default model: the shipped one, or random weights."""
    shipped = Settings().pretrained_dir
    if (shipped / PRETRAINED_ID).is_dir():
        return shipped
    from aevp.ml import checkpoint

    root = tmp / "pretrained"
    spec = ModelSpec()
    rng = np.random.default_rng(0)
    params = {
        name: (rng.standard_normal(shape) * 0.05).astype(np.float32)
        for name, shape in checkpoint.expected_shapes(spec).items()
    }
    checkpoint.save(root, spec, params, {}, None, model_id=PRETRAINED_ID)
    return root


@contextmanager
def serve(tmp: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "AEVP_MODELS_DIR": str(tmp / "models"),
        "AEVP_PRETRAINED_DIR": str(_default_model(tmp)),
        "AEVP_FRONTEND_DIR": str(tmp / "no-frontend"),
        "AEVP_MAX_WS_CLIENTS": "64",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "aevp.service.app:create_app",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--ws-per-message-deflate",
        "false",
    ]
    log = open(tmp / "server.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            with suppress(httpx.HTTPError):
                if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start; see {tmp / 'server.log'}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(30)
        process.kill()
        log.close()


def percentiles(ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def round_trips(ws: ClientConnection, messages: list[str], warmup: int = 20) -> list[float]:
    """Milliseconds from send to the matching answer, one request in flight at a time."""
    times = []
    for i, text in enumerate(messages):
        start = time.perf_counter()
        ws.send(text)
        answer = ws.recv(timeout=30)
        elapsed = (time.perf_counter() - start) * 1000
        if isinstance(answer, str):  # results are binary frames (protocol 2); text is an error
            raise RuntimeError(answer)
        if i >= warmup:
            times.append(elapsed)
    return times


def explore_messages(images: np.ndarray, n: int) -> list[str]:
    return [
        json.dumps(
            {
                "v": 2,
                "type": "explore",
                "request_id": i,
                "image": np.round(images[i % len(images)] / 255, 4).reshape(-1).tolist(),
            }
        )
        for i in range(n)
    ]


def decode_messages(n: int, dim: int = 16) -> list[str]:
    rng = np.random.default_rng(0)
    return [
        json.dumps({"v": 2, "type": "decode", "request_id": i, "latent": rng.normal(size=dim).round(4).tolist()})
        for i in range(n)
    ]


def batch_costs(images: np.ndarray, repeats: int = 30) -> list[tuple[int, float, float]]:
    """(batch size, ms per image for the model call (layers quantised in it), ms per image with the answers
    built as binary frames),
    in this process on the default model: what the batcher saves by computing requests together."""
    from aevp.ml import checkpoint
    from aevp.ml.inference import BATCH_SIZES
    from aevp.service import batch_compute, frames

    ckpt = checkpoint.load(_default_model(Path(tempfile.mkdtemp())) / PRETRAINED_ID)
    from aevp.ml.inference import Inference

    inf = Inference(ckpt.spec, ckpt.params)
    inf.warm(BATCH_SIZES)
    out = []
    for n in BATCH_SIZES:
        x = (images[:n] / 255).astype(np.float32)
        items = [batch_compute.ExploreItem(im) for im in x]
        t0 = time.perf_counter()
        for _ in range(repeats):
            inf.explore_quantised(x, x, ssim=True)
        t1 = time.perf_counter()
        for _ in range(repeats):
            [frames.binary_frame(a, i) for i, a in enumerate(batch_compute.explore(inf, items))]
        t2 = time.perf_counter()
        out.append((n, (t1 - t0) * 1000 / repeats / n, (t2 - t1) * 1000 / repeats / n))
    return out


def deflate_figures(frame: bytes, repeats: int = 50) -> tuple[float, float, float]:
    """permessage-deflate on one binary answer, with the server's settings (12-bit window, memLevel 5):
    (compressed / original size, ms to compress, ms to inflate)."""
    import zlib

    t0 = time.perf_counter()
    for _ in range(repeats):
        c = zlib.compressobj(wbits=-12, memLevel=5)
        small = c.compress(frame) + c.flush(zlib.Z_SYNC_FLUSH)
    t1 = time.perf_counter()
    for _ in range(repeats):
        zlib.decompressobj(wbits=-12).decompress(small)
    t2 = time.perf_counter()
    return len(small) / len(frame), (t1 - t0) * 1000 / repeats, (t2 - t1) * 1000 / repeats


def _rate(client: httpx.Client, job_id: str, seconds: float) -> float:
    """Training images/s over about `seconds`, between two moments when the job's step count changes
    (so the window is not quantised to whole steps), after compilation and the first steps."""

    def step() -> int:
        return client.get(f"/api/jobs/{job_id}").json()["progress"]["step"]

    def next_change(after: int) -> tuple[float, int]:
        deadline = time.monotonic() + 300
        while (now := step()) <= after:
            if time.monotonic() > deadline:
                raise RuntimeError("the job made no progress")
            time.sleep(0.02)
        return time.perf_counter(), now

    _, first = next_change(1)  # past compilation and the first flush
    t0, s0 = next_change(first)
    time.sleep(seconds)
    t1, s1 = next_change(step())
    return (s1 - s0) * ModelSpec().batch_size / (t1 - t0)


@contextmanager
def job(client: httpx.Client) -> Iterator[str]:
    response = client.post("/api/jobs", json={"spec": ModelSpec(epochs=100).model_dump()})
    response.raise_for_status()
    job_id = response.json()["id"]
    try:
        yield job_id
    finally:
        client.post(f"/api/jobs/{job_id}/cancel")
        while client.get(f"/api/jobs/{job_id}").json()["state"] in ("queued", "running"):
            time.sleep(0.1)


def streaming_clients(ws_url: str, job_id: str, n: int, stop: threading.Event) -> list[threading.Thread]:
    def follow() -> None:
        with connect(f"{ws_url}/ws/jobs/{job_id}", compression=None, max_size=None) as ws:
            while not stop.is_set():
                with suppress(TimeoutError):
                    ws.recv(timeout=0.5)

    threads = [threading.Thread(target=follow, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    return threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="length of each throughput window")
    parser.add_argument("--rounds", type=int, default=2, help="headless/streaming window pairs")
    parser.add_argument("--clients", type=int, default=10, help="streaming clients in the streaming windows")
    parser.add_argument("--requests", type=int, default=500, help="explore/decode round trips per figure")
    args = parser.parse_args()

    from aevp.service.datasource import CachedData

    images = CachedData(Settings().data_dir).load("mnist").test_images[:256]
    costs = batch_costs(images)
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(Path(tmp)) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        ws_url = url.replace("http", "ws", 1)
        explore_path = f"{ws_url}/ws/models/{PRETRAINED_ID}/explore"
        with connect(explore_path, compression=None, max_size=None) as ws:
            explore_idle = percentiles(round_trips(ws, explore_messages(images, args.requests)))
            decode_idle = percentiles(round_trips(ws, decode_messages(args.requests)))
            ws.send(explore_messages(images, 1)[0])
            frame = ws.recv(timeout=30)
        size = len(client.post(f"/api/models/{PRETRAINED_ID}/explore", json={"image": images[0].tolist()}).content)
        deflate = deflate_figures(frame)

        headless: list[float] = []
        streaming: list[float] = []
        with job(client) as job_id:  # compile the training step once, outside every window
            _rate(client, job_id, 0.5)
        for _ in range(args.rounds):
            with job(client) as job_id:
                headless.append(_rate(client, job_id, args.seconds))
            stop = threading.Event()
            with job(client) as job_id:
                threads = streaming_clients(ws_url, job_id, args.clients, stop)
                streaming.append(_rate(client, job_id, args.seconds))
                stop.set()
                for t in threads:
                    t.join(5)
        with job(client) as job_id:
            _rate(client, job_id, 0.5)
            with connect(explore_path, compression=None, max_size=None) as ws:
                explore_training = percentiles(round_trips(ws, explore_messages(images, args.requests)))
                decode_training = percentiles(round_trips(ws, decode_messages(args.requests)))

    print(f"AeVP service bench: default model AE-32-64-L16, {os.cpu_count()} CPUs, server in its own process")
    print("  explore compute per image, in one process (model call / with the answers as binary frames):")
    for n, call, whole in costs:
        print(f"    batch {n:2d}        {call:6.3f} ms / {whole:6.3f} ms")
    print(f"  an explore answer: {len(frame) / 1024:.0f} KiB binary frame (protocol 2), {size / 1024:.0f} KiB JSON "
          f"(protocol 1, REST); permessage-deflate would make the frame {deflate[0]:.0%} of its size for "
          f"{deflate[1]:.2f} ms to compress and {deflate[2]:.2f} ms to inflate (off: `aevp serve`)")
    print("  explore over WebSocket (all activations + latent + reconstruction, binary frames):")
    print(f"    idle            p50 {explore_idle[0]:6.2f} ms   p95 {explore_idle[1]:6.2f} ms   (bar: 5 / 16)")
    print(f"    while training  p50 {explore_training[0]:6.2f} ms   p95 {explore_training[1]:6.2f} ms   (bar: p95 50)")
    print("  decode over WebSocket:")
    print(f"    idle            p50 {decode_idle[0]:6.2f} ms   p95 {decode_idle[1]:6.2f} ms   (bar: p95 10)")
    print(f"    while training  p50 {decode_training[0]:6.2f} ms   p95 {decode_training[1]:6.2f} ms")
    best_h, best_s = max(headless), max(streaming)
    print(f"  training throughput, {args.rounds} x {args.seconds:.0f} s windows each (images/s):")
    print(f"    headless        {', '.join(f'{r:.0f}' for r in headless)}")
    print(f"    {args.clients} clients      {', '.join(f'{r:.0f}' for r in streaming)}")
    print(f"    best streaming / best headless: {best_s / best_h:.1%}   (bar: 95%)")


if __name__ == "__main__":
    main()
