"""What a page opened the moment /api/health says ready waits for, against a real server.

    cd backend && python -m bench.firstpage [--rounds 3]

Starts a fresh server with the shipped models warm-up on (as `aevp serve`), polls /api/health, and the
moment it says ready asks what the lab asks on boot, in its order: the datasets and the model listing,
then the default model's details, its explore socket and two test images, the first explore; then the
latent statistics and the PCA map. Prints each answer's time after "ready" (target: the first explore
within 3 s; the browser figure is `npm run bench`'s and the e2e suite's firstpaint test).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from websockets.sync.client import connect

from bench.server import PRETRAINED_ID, serve


def first_page(url: str, ws_url: str, ready: float) -> dict[str, float]:
    """Milliseconds after `ready` at which each of the lab's boot requests was answered."""
    at: dict[str, float] = {}

    def mark(name: str) -> None:
        at[name] = (time.perf_counter() - ready) * 1000

    with httpx.Client(base_url=url, timeout=120) as client, ThreadPoolExecutor(4) as pool:

        def get(path: str, name: str) -> httpx.Response:
            r = client.get(path)
            r.raise_for_status()
            mark(name)
            return r

        datasets = pool.submit(get, "/api/datasets", "datasets")
        get("/api/models", "models")
        detail = pool.submit(get, f"/api/models/{PRETRAINED_ID}", "detail")
        with connect(f"{ws_url}/ws/models/{PRETRAINED_ID}/explore", compression=None, max_size=None) as ws:
            mark("socket open")
            image = get("/api/datasets/mnist/samples?limit=2", "samples").json()["items"][0]["image"]
            ws.send(json.dumps({"v": 1, "type": "explore", "request_id": 1, "image": [v / 255 for v in image]}))
            answer = json.loads(ws.recv(timeout=120))
            if answer["type"] != "explore_result":
                raise RuntimeError(answer)
            mark("first explore")
        stats = pool.submit(get, f"/api/models/{PRETRAINED_ID}/latent-stats", "latent stats")
        pca = pool.submit(get, f"/api/models/{PRETRAINED_ID}/latent-map?method=pca", "pca map")
        for f in (datasets, detail, stats, pca):
            f.result()
    return at


def measure(rounds: int) -> list[tuple[float, dict[str, float]]]:
    """(seconds to ready, answers after ready) for `rounds` fresh servers."""
    out = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp)) as server:
            ready = time.perf_counter()
            out.append((server.ready_after_s, first_page(server.url, server.ws_url, ready)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="fresh servers to measure")
    args = parser.parse_args()
    results = measure(args.rounds)
    print("AeVP first page: the lab's boot requests, ms after /api/health said ready (fresh server, warm-up on)")
    for ready_s, at in results:
        order = sorted(at.items(), key=lambda kv: kv[1])
        print(f"  ready after {ready_s:5.1f} s: " + ", ".join(f"{k} {v:.0f}" for k, v in order))
    worst = max(at["first explore"] for _, at in results)
    print(f"  first explore answered within {worst:.0f} ms of ready (worst of {len(results)}; target < 3000 ms)")


if __name__ == "__main__":
    main()
