"""Latent-map figures for the shipped MNIST model (AE-32-64-L16) on the 10,000 test images.

    cd backend && python -m bench.maps [--requests 500]

Prints: the PCA map's time after the model is loaded (encoding the test set + the fit); t-SNE and UMAP
computed the way the service does (its map thread, with progress); placing the drawing's point on each
map, raw (`KnnPlacer.place`) and through the explore path with `maps` requested, in-process (server-side
compute) and as WebSocket round trips against a server process that reads the maps from its disk cache.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from websockets.sync.client import connect

from aevp.settings import Settings
from bench.service import PRETRAINED_ID, _default_model, explore_messages, round_trips, serve


def pct(ms: list[float]) -> str:
    return f"p50 {np.percentile(ms, 50):6.3f} ms   p99 {np.percentile(ms, 99):6.3f} ms"


def timed_ms(fn, args_list) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for args in args_list:
        t0 = time.perf_counter()
        fn(*args)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def wait_for(models, method: str) -> float:  # type: ignore[no-untyped-def]
    """Start the map as `GET .../latent-map` does and print its progress every 10%; seconds taken."""
    from aevp.service.schemas import LatentMapStatus

    t0 = time.perf_counter()
    shown = -1.0
    while isinstance(status := models.latents.map(PRETRAINED_ID, method), LatentMapStatus):
        if status.state == "failed":
            raise RuntimeError(f"{method} failed: {status.error}")
        if status.fraction >= shown + 0.1:
            print(f"      {time.perf_counter() - t0:5.1f} s  {status.stage:<13} {status.fraction:4.0%}", flush=True)
            shown = status.fraction
        time.sleep(0.25)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500, help="placements and round trips per figure")
    args = parser.parse_args()

    from aevp.ml.embed import KnnPlacer
    from aevp.ml.pca import fit_pca
    from aevp.service import explore
    from aevp.service.datasource import CachedData
    from aevp.service.models import Models

    data = CachedData(Settings().data_dir)
    images = data.load("mnist").test_images
    print(f"AeVP latent-map bench: {PRETRAINED_ID}, {len(images):,} test images, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        maps_dir = Path(tmp) / "maps"
        models = Models(Path(tmp) / "models", _default_model(Path(tmp)), data, maps_dir)
        models.loaded.warm(PRETRAINED_ID)  # loaded and compiled: "after model load"
        t0 = time.perf_counter()
        z = models.latents.test_latents(PRETRAINED_ID)
        t1 = time.perf_counter()
        fit_pca(z).transform(z)
        t2 = time.perf_counter()
        print(f"  PCA map: {t2 - t0:.2f} s after model load (encoding {t1 - t0:.2f} s + fit {1000 * (t2 - t1):.0f} ms)"
              "   (target < 1 s)")
        seconds = {}
        for method in ("tsne", "umap"):
            print(f"  {method}:")
            seconds[method] = wait_for(models, method)
            note = "   (target < 60 s)" if method == "tsne" else "   (the first UMAP in a process compiles numba code)"
            print(f"    {method} of {len(z):,} points: {seconds[method]:.1f} s{note}")

        rng = np.random.default_rng(0)
        probes = [(z[i % len(z)] + rng.normal(0, 0.3, z.shape[1]).astype(np.float32),) for i in range(args.requests)]
        print("  placing the drawing's point (raw KnnPlacer.place, 10,000 points, k = 10):")
        for method in ("tsne", "umap"):
            ready = models.latents.map(PRETRAINED_ID, method)
            placer = KnnPlacer.of(z, np.asarray(ready.points, np.float32))
            print(f"    {method:<6}  {pct(timed_ms(placer.place, probes))}")
        print("  explore in-process (server-side compute: encode, every activation, SSIM, JSON fields):")
        inputs = [(PRETRAINED_ID, images[i % 256].astype(np.float32) / 255) for i in range(args.requests)]
        for maps in (None, ["tsne"], ["umap"], ["tsne", "umap"]):
            ms = timed_ms(lambda m, x, maps=maps: explore.explore_result(models, m, x, None, maps), inputs)
            print(f"    maps={str(maps):<17} {pct(ms)}   (target < 16 ms)")
        models.close()

        os.environ["AEVP_MAPS_DIR"] = str(maps_dir)  # the server reads the maps computed above from disk
        print("  explore over WebSocket against a server process (round trip), maps from its disk cache:")
        with serve(Path(tmp)) as url:
            ws_url = url.replace("http", "ws", 1)
            for method in ("tsne", "umap"):  # loads the map from disk (after the server's own warm-up)
                path = f"{url}/api/models/{PRETRAINED_ID}/latent-map"
                answer = httpx.get(path, params={"method": method}, timeout=120)
                assert answer.status_code == 200, f"{method}: {answer.status_code}"
            with connect(f"{ws_url}/ws/models/{PRETRAINED_ID}/explore", compression=None, max_size=None) as ws:
                for maps in (None, ["tsne"], ["umap"]):
                    messages = explore_messages(images[:256], args.requests)
                    if maps:
                        messages = [json.dumps({**json.loads(m), "maps": maps}) for m in messages]
                    print(f"    maps={str(maps):<17} {pct(round_trips(ws, messages))}")


if __name__ == "__main__":
    main()
