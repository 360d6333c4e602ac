"""`make bench`: training throughput against the matmul bound, compile time, interactive latency.

All figures come from one run on this machine, so they can be compared side by side.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from aevp.ml import model, ops, steps
from aevp.ml.inference import Inference
from aevp.ml.spec import ModelSpec


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def matmul_flops(n: int = 4096, repeats: int = 5) -> float:
    """Attainable fp32 matmul FLOP/s on the default device."""
    a = jax.random.normal(jax.random.PRNGKey(0), (n, n), jnp.float32)
    f = jax.jit(lambda a: a @ a)
    jax.block_until_ready(f(a))
    return 2 * n**3 / _median_time(lambda: f(a), repeats)


def train_throughput(spec: ModelSpec, windows: int, steps_per_window: int) -> tuple[float, float, list[float]]:
    """(compile seconds, median images/s over timed windows after warm-up, all window rates)."""
    fns = steps.train_functions(spec)
    _, params = steps.init_params(spec)
    opt_state = fns.optimizer.init(params)
    n = 60000
    images = jax.device_put(np.random.default_rng(0).integers(0, 256, (n, 28, 28), dtype=np.uint8))
    order = jax.device_put(np.random.default_rng(1).permutation(n).astype(np.int32))
    key = steps.epoch_key(spec, 1)
    start = time.perf_counter()
    compiled = fns.step.lower(params, opt_state, images, order, 0, key).compile()
    compile_s = time.perf_counter() - start
    step = 0
    for _ in range(3):  # warm-up
        params, opt_state, loss = compiled(params, opt_state, images, order, step, key)
        step += 1
    jax.block_until_ready(loss)
    rates = []
    for _ in range(windows):
        start = time.perf_counter()
        for _ in range(steps_per_window):
            params, opt_state, loss = compiled(params, opt_state, images, order, step % (n // spec.batch_size), key)
            step += 1
        jax.block_until_ready(loss)
        rates.append(steps_per_window * spec.batch_size / (time.perf_counter() - start))
    return compile_s, float(np.median(rates)), rates


def plain_formulation_throughput(spec: ModelSpec, windows: int, steps_per_window: int) -> float:
    """The same model with XLA's own max-pool, transposed-conv and conv gradients, for comparison."""
    saved = (ops.max_pool, ops.conv_transpose, model._conv_method)
    ops.max_pool, ops.conv_transpose = ops.max_pool_plain, ops.conv_transpose_plain
    model._conv_method = lambda cin: "xla"
    steps._train_functions.cache_clear()
    try:
        return train_throughput(spec, windows, steps_per_window)[1]
    finally:
        ops.max_pool, ops.conv_transpose, model._conv_method = saved
        steps._train_functions.cache_clear()


def latency(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    for _ in range(20):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.percentile(times, 50)) * 1e3, float(np.percentile(times, 99)) * 1e3


def layer_profile(spec: ModelSpec, batch: int, repeats: int) -> list[tuple[str, float, float]]:
    """Forward and backward milliseconds of each layer alone, at the training batch size."""
    graphdef, params = steps.init_params(spec)
    model = nnx.merge(graphdef, params)
    rows = []
    shape: tuple[int, ...] = (28, 28, 1)
    for row in spec.layers():
        layer = model.layers[row.name]
        g, p = nnx.split(layer)
        x = jax.random.normal(jax.random.PRNGKey(0), (batch, *shape))
        ct = jax.random.normal(jax.random.PRNGKey(1), (batch, *row.shape))
        fwd = jax.jit(lambda p, x, g=g: nnx.merge(g, p)(x))
        # The first layer's input needs no gradient (it is the data), as in training.
        argnums = (0,) if row.name == spec.layers()[0].name else (0, 1)
        both = jax.jit(jax.grad(lambda p, x, g=g, ct=ct: (nnx.merge(g, p)(x) * ct).sum(), argnums=argnums))
        jax.block_until_ready(fwd(p, x))
        jax.block_until_ready(both(p, x))
        t_fwd = _median_time(lambda fwd=fwd, p=p, x=x: fwd(p, x), repeats)
        t_both = _median_time(lambda both=both, p=p, x=x: both(p, x), repeats)
        rows.append((row.name, t_fwd * 1e3, max(t_both - t_fwd, 0.0) * 1e3))
        shape = row.shape
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--windows", type=int, default=7)
    parser.add_argument("--steps", type=int, default=10, help="training steps per timed window")
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    spec = ModelSpec(batch_size=args.batch_size)
    print(f"AeVP benchmark: default model AE-32-64-L16, batch {spec.batch_size}, device {jax.devices()[0]}")
    print(f"  train FLOPs per image {spec.train_flops / 1e6:.2f} M (forward {spec.forward_flops / 1e6:.2f} M)")
    flops = matmul_flops()
    print(f"  fp32 matmul 4096x4096: {flops / 1e9:.1f} GFLOP/s")
    compile_s, rate, rates = train_throughput(spec, args.windows, args.steps)
    bound = 100 * rate * spec.train_flops / flops
    print(f"  train step compile: {compile_s:.2f} s")
    print(f"  training: {rate:,.0f} images/s (median of {args.windows} windows of {args.steps} steps: "
          f"{', '.join(f'{r:,.0f}' for r in rates)})")
    print(f"  = {bound:.1f}% of the matmul bound (images/s x {spec.train_flops / 1e6:.2f} MFLOP / matmul FLOP/s)")
    plain = plain_formulation_throughput(spec, max(3, args.windows // 2), args.steps)
    print(f"  same model with XLA's own max-pool / transposed-conv / conv formulations: {plain:,.0f} images/s "
          f"= {100 * plain * spec.train_flops / flops:.1f}% of the bound (ours is {rate / plain:.1f}x faster)")
    flops_after = matmul_flops()
    print(f"  fp32 matmul again after training: {flops_after / 1e9:.1f} GFLOP/s")
    inference = Inference(spec, steps.flatten_params(steps.init_params(spec)[1]))
    inference.warm()
    image = np.random.default_rng(0).random((1, 28, 28), np.float32)
    latent = np.zeros((1, spec.latent_dim), np.float32)
    p50, p99 = latency(lambda: inference.explore(image), 500)
    print(f"  one image through all activations: p50 {p50:.3f} ms, p99 {p99:.3f} ms ({inference.device})")
    p50, p99 = latency(lambda: inference.decode(latent), 500)
    print(f"  one decode: p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    print(f"  per-layer profile of the train step (batch {spec.batch_size}, each layer alone):")
    print(f"    {'layer':12s} {'forward ms':>11s} {'backward ms':>12s}")
    total_f = total_b = 0.0
    for name, f_ms, b_ms in layer_profile(spec, spec.batch_size, 10):
        print(f"    {name:12s} {f_ms:11.2f} {b_ms:12.2f}")
        total_f, total_b = total_f + f_ms, total_b + b_ms
    print(f"    {'sum':12s} {total_f:11.2f} {total_b:12.2f}   (one step measured: "
          f"{1e3 * spec.batch_size / rate:.1f} ms)")
    from bench import timeline

    timeline.report(spec, rate)


if __name__ == "__main__":
    main()
