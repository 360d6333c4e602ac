"""Jobs on Ray against local threads: a sweep's wall time, and explore latency while two jobs train.

    cd backend && python -m bench.ray_jobs [--specs 8] [--train-images 4096] [--requests 200]

Starts a real 2-node local Ray cluster (1 CPU per node, as the tests do) and prints:
* a sweep of `--specs` small specs (8 filters, latent 2, 3, ..., 1 epoch on the first `--train-images` MNIST
  training images) run locally one at a time, then on the cluster two at a time: wall time of each;
* explore round trips (p50/p95 over the WebSocket, the default model) on a server process while 2 jobs train
  in its own threads (AEVP_MAX_CONCURRENT_JOBS=2), then while 2 jobs train on the cluster.
On a 2-core machine the cluster shares the same 2 cores, so the sweep gains little; what moves is where the
training runs. Needs the MNIST cache (`aevp data fetch`).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import httpx
from websockets.sync.client import connect

from aevp.data import load_dataset
from aevp.ml.spec import ModelSpec
from aevp.service.jobs.executor import LocalExecutor
from aevp.service.jobs.ray_executor import RayExecutor
from aevp.settings import Settings
from bench.service import PRETRAINED_ID, explore_messages, percentiles, round_trips, serve
from tests.service.raycluster import RayCluster

OPTIONS = {"snapshot_interval_s": 0.5, "probe_count": 8}
TRAINING = ModelSpec(epochs=50)  # the default model, long enough to outlast the measurement


def sweep_specs(n: int) -> list[ModelSpec]:
    block = {"filters": 8, "kernel": 3}
    return [ModelSpec(blocks=[block], latent_dim=2 + i, epochs=1, batch_size=64) for i in range(n)]


def run_sweep(executor: object, specs: list[ModelSpec], data: object, width: int) -> float:
    def one(spec: ModelSpec) -> None:
        ended: list[object] = []
        def emit(event: object) -> bool:
            ended.append(event)
            return type(event).__name__ == "Finished"

        executor.run(spec, data, None, OPTIONS, lambda: False, emit)
        assert ended and ended[-1].state == "done", ended[-1:]

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=width) as pool:
        list(pool.map(one, specs))
    return time.perf_counter() - start


def explore_while_training(tmp: Path, ray_address: str, images: object, requests: int) -> tuple[float, float]:
    state = tmp / ("state-ray" if ray_address else "state-local")
    os.environ.update(AEVP_RAY_ADDRESS=ray_address, AEVP_MAX_CONCURRENT_JOBS="2", AEVP_STATE_DIR=str(state))
    with serve(tmp) as url, httpx.Client(base_url=url, timeout=60) as client:
        jobs = [client.post("/api/jobs", json={"spec": TRAINING.model_dump()}).json()["id"] for _ in range(2)]
        try:
            deadline = time.monotonic() + 300
            while any(client.get(f"/api/jobs/{j}").json()["progress"]["step"] < 5 for j in jobs):
                if time.monotonic() > deadline:
                    raise RuntimeError("the jobs did not start training")
                time.sleep(0.5)
            ws_url = url.replace("http", "ws", 1) + f"/ws/models/{PRETRAINED_ID}/explore"
            with connect(ws_url, compression=None, max_size=None) as ws:
                return percentiles(round_trips(ws, explore_messages(images, requests)))
        finally:
            for j in jobs:
                client.post(f"/api/jobs/{j}/cancel")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", type=int, default=8)
    parser.add_argument("--train-images", type=int, default=4096)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    data = load_dataset("mnist", Settings().data_dir)
    small = replace(data, train_images=data.train_images[: args.train_images], test_images=data.test_images[:1000])
    specs = sweep_specs(args.specs)
    print(f"sweep of {len(specs)} specs (8 filters, latent 2..{1 + len(specs)}, 1 epoch, {args.train_images} "
          "images):")
    local_s = run_sweep(LocalExecutor(), specs, small, width=1)
    print(f"  local, one at a time          {local_s:7.1f} s")
    cluster = RayCluster(nodes=2).start()
    try:
        cluster.connect()
        ray_s = run_sweep(RayExecutor(cluster.address), specs, small, width=2)
        print(f"  Ray, 2 nodes x 1 CPU, 2 at once {ray_s:5.1f} s   ({local_s / ray_s:.2f}x)")
        with tempfile.TemporaryDirectory() as tmp:
            images = data.test_images[:256]
            local = explore_while_training(Path(tmp), "", images, args.requests)
            on_ray = explore_while_training(Path(tmp), cluster.address, images, args.requests)
        print("explore over WebSocket while 2 jobs of AE-32-64-L16 train:")
        print(f"  in the server's threads        p50 {local[0]:7.1f} ms   p95 {local[1]:7.1f} ms")
        print(f"  on the Ray cluster             p50 {on_ray[0]:7.1f} ms   p95 {on_ray[1]:7.1f} ms")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
