"""The cost of recording a training timeline (`aevp.ml.timeline`): one frame against one training step.

A frame reads the weights between two steps: the probes through every layer, the map sample's 1,000 codes, a
PCA and a Procrustes turn. Its cost over a run is frames x frame time against steps x step time; `--run` also
times `train()` end to end with and without the timeline on one epoch of random images.
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np

from aevp.ml import steps
from aevp.ml import timeline as tl
from aevp.ml.events import Finished, Progress
from aevp.ml.spec import ModelSpec
from aevp.ml.train import train

TRAIN_IMAGES = 60_000


def frame_seconds(spec: ModelSpec, repeats: int) -> float:
    """Median seconds to record one frame (after compiling)."""
    rng = np.random.default_rng(0)
    test = rng.integers(0, 256, (10_000, 28, 28), dtype=np.uint8)
    probes = test[:8].astype(np.float32) / 255.0
    sample = tl.map_sample(test.shape[0])
    map_images = test[sample].astype(np.float32) / 255.0
    recorder = tl.Recorder(spec, 10**6, probes, map_images, sample, None)
    _, params = steps.init_params(spec)
    fns = steps.inference_functions(spec)
    device_maps = jax.device_put(map_images)

    def one() -> None:
        _, recon, acts = jax.device_get(fns.explore(params, probes))
        latents = np.asarray(jax.device_get(fns.encode(params, device_maps)))
        recorder.record(1, 1, 0.5, np.asarray(recon), acts, latents)

    one()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        one()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def run_rate(spec: ModelSpec, record: bool) -> tuple[float, int]:
    """(images/s over the epoch after compiling, frames recorded) of one `train()` epoch on random images."""
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (TRAIN_IMAGES, 28, 28), dtype=np.uint8)
    test = rng.integers(0, 256, (2_000, 28, 28), dtype=np.uint8)
    rate, frames = 0.0, 0
    for event in train(spec.model_copy(update={"epochs": 1}), images, test, timeline=record):
        if isinstance(event, Progress):
            rate = event.images_per_s
        elif isinstance(event, Finished):
            frames = len(event.timeline) if event.timeline is not None else 0
    return rate, frames


def report(spec: ModelSpec, step_rate: float, repeats: int = 15, run: bool = False) -> None:
    """Prints the figures; `step_rate` is the training images/s measured in the same run."""
    per_frame = frame_seconds(spec, repeats)
    total = (TRAIN_IMAGES // spec.batch_size) * 5
    frames = len(tl.schedule(total, tl.frame_budget(spec, 8, tl.MAP_POINTS)))
    step_s = spec.batch_size / step_rate
    print(f"  timeline: one frame {1e3 * per_frame:.1f} ms (= {per_frame / step_s:.1f} training steps of "
          f"{1e3 * step_s:.1f} ms); a 5-epoch MNIST run records {frames} frames in {total} steps: "
          f"+{100 * frames * per_frame / (total * step_s):.1f}% training time")
    if run:
        with_rate, n = run_rate(spec, True)
        without_rate, _ = run_rate(spec, False)
        print(f"  one epoch of train(): {without_rate:,.0f} images/s without the timeline, {with_rate:,.0f} with it "
              f"({n} frames: {100 * (without_rate / with_rate - 1):+.1f}% time)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", action="store_true", help="also time one epoch of train() with and without")
    parser.add_argument("--step-rate", type=float, default=0.0, help="images/s of training (measured if 0)")
    args = parser.parse_args()
    spec = ModelSpec()
    rate = args.step_rate
    if not rate:
        from bench.train import train_throughput

        rate = train_throughput(spec, 5, 10)[1]
    print(f"Timeline recording, AE-32-64-L16 (training {rate:,.0f} images/s in this run):")
    report(spec, rate, run=args.run)


if __name__ == "__main__":
    main()
