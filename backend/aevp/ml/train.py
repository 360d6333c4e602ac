"""The training loop as an iterator of typed events (aevp.ml.events); cancellable between steps."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from aevp.ml import steps
from aevp.ml import timeline as tl
from aevp.ml.events import (
    BatchLosses,
    EpochEnd,
    EpochState,
    Finished,
    Progress,
    Snapshot,
    TimelineFrame,
    TrainEvent,
    TrainState,
)
from aevp.ml.spec import ModelSpec

# How often losses are pulled from the device and progress is reported. Fetching a loss waits for
# its step, so doing it less often than every step lets the next steps queue up behind it.
FLUSH_INTERVAL_S = 0.1
EVAL_CHUNK = 250  # 4.1 s for the 10,000 test images on 2 cores against 5.1 s at 1,000 (cache-friendlier)


def evaluate(spec: ModelSpec, params: steps.Params, images_u8: np.ndarray | jax.Array) -> dict[str, float]:
    """Mean per-image test loss, PSNR and SSIM; for a VAE also test_recon, test_kl and test_elbo."""
    fns = steps.train_functions(spec)
    images = jnp.asarray(images_u8)
    parts = [fns.evaluate(params, images[i : i + EVAL_CHUNK]) for i in range(0, images.shape[0], EVAL_CHUNK)]
    mean = {k: float(np.concatenate([np.asarray(p[k]) for p in parts]).mean()) for k in parts[0]}
    out = {"test_loss": mean["loss"], "psnr": mean["psnr"], "ssim": mean["ssim"]}
    if "kl" in mean:
        out.update(test_recon=mean["recon"], test_kl=mean["kl"], test_elbo=mean["recon"] + mean["kl"])
    return out


def probe_indices(count: int, total: int) -> np.ndarray:
    """Fixed, evenly spread test images shown while training."""
    return np.linspace(0, total - 1, num=min(count, total)).astype(np.int64)


def train(
    spec: ModelSpec,
    train_images: np.ndarray,
    test_images: np.ndarray,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    snapshot_interval_s: float = 0.5,
    probe_count: int = 8,
    resume: TrainState | None = None,
    timeline: bool = True,
    test_labels: np.ndarray | None = None,
) -> Iterator[TrainEvent]:
    """Train `spec` on uint8 (N, 28, 28) images; yields events and ends with one `Finished`.

    Every batch's loss is reported once, in order. Batches are full (the last partial batch of an
    epoch is dropped), and the data order for epoch e is a permutation seeded by (seed, e), so the
    same spec and data give the same loss curve on the same machine. Each epoch ends with an
    `EpochState`; passing one back as `resume` continues after its epoch, and the losses that follow
    equal those of a run that was never interrupted. With `timeline`, `TimelineFrame`s are yielded on
    `aevp.ml.timeline.schedule`'s steps and `Finished` carries them all (`test_labels` colour its map); a
    resumed run records only the frames after its resume point.
    """
    history: dict[str, Any] = {"losses": [], "epochs": []}
    if resume is not None:  # copies: the caller's state stays as it was
        history = {k: list(v) for k, v in resume.history.items() if k in ("losses", "epochs", "recon", "kl")}
        history.setdefault("losses", [])
        history.setdefault("epochs", [])
    try:
        yield from _train(
            spec, train_images, test_images, should_stop, snapshot_interval_s, probe_count, history, resume,
            timeline, test_labels,
        )
    except Exception as exc:  # reported as an event: the caller (CLI, job) decides what to show
        yield Finished("failed", history=history, error=f"{type(exc).__name__}: {exc}")


def _restore(spec: ModelSpec, fns: steps.TrainFunctions, state: TrainState, steps_per_epoch: int):
    """Weights and optimizer state from `state`, checked against the spec; ValueError when they do not fit."""
    if not 0 <= state.epoch <= spec.epochs:
        raise ValueError(f"cannot resume after epoch {state.epoch} of a {spec.epochs}-epoch run")
    if len(state.history.get("losses", ())) != state.epoch * steps_per_epoch:
        raise ValueError(f"the resume state's history does not end at epoch {state.epoch}")
    shapes = steps.param_shapes(spec)
    got = {k: tuple(np.shape(v)) for k, v in state.params.items()}
    if got != shapes:
        raise ValueError("the resume state's weights do not fit this spec")
    params = steps.unflatten_params(spec, state.params)
    leaves, treedef = jax.tree_util.tree_flatten(fns.optimizer.init(params))
    if [np.shape(x) for x in state.opt_state] != [np.shape(x) for x in leaves]:
        raise ValueError("the resume state's optimizer state does not fit this spec")
    opt_state = jax.tree_util.tree_unflatten(
        treedef, [jnp.asarray(x, dtype=leaf.dtype) for x, leaf in zip(state.opt_state, leaves, strict=True)]
    )
    return params, opt_state


def _recorder(spec, test_images, test_labels, probes, total: int, done: int):
    """The timeline recorder and its map sample on the device (None, None without a timeline)."""
    sample = tl.map_sample(test_images.shape[0])
    labels = None if test_labels is None else np.asarray(test_labels)[sample]
    map_images = np.asarray(test_images[sample], np.float32) / 255.0
    recorder = tl.Recorder(spec, total, probes, map_images, sample, labels, first_step=done)
    return recorder, jax.device_put(map_images)


def _train(spec, train_images, test_images, should_stop, snapshot_interval_s, probe_count, history, resume,
           record_timeline=False, test_labels=None):
    steps_per_epoch = train_images.shape[0] // spec.batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"batch_size {spec.batch_size} is larger than the {train_images.shape[0]} training images")
    total = steps_per_epoch * spec.epochs
    fns = steps.train_functions(spec)
    if resume is None:
        _, params = steps.init_params(spec)
        opt_state = fns.optimizer.init(params)
    else:
        params, opt_state = _restore(spec, fns, resume, steps_per_epoch)
    first_epoch = 1 if resume is None else resume.epoch + 1
    earlier_seconds = 0.0 if resume is None else resume.train_seconds
    images = jax.device_put(np.ascontiguousarray(train_images, dtype=np.uint8))
    test = jax.device_put(np.ascontiguousarray(test_images, dtype=np.uint8))
    probes = np.asarray(test_images[probe_indices(probe_count, test_images.shape[0])], np.float32) / 255.0
    explore = steps.inference_functions(spec).explore
    started = time.perf_counter()
    done = (first_epoch - 1) * steps_per_epoch
    rate_from: tuple[float, int] | None = None
    rate = 0.0
    last_snapshot = -math.inf
    recorder, map_images = (None, None)
    if record_timeline:
        recorder, map_images = _recorder(spec, test_images, test_labels, probes, total, done)
        encode = steps.inference_functions(spec).encode

    def snapshot(step: int, epoch: int) -> Snapshot:
        _, recon, acts = jax.device_get(explore(params, probes))
        return Snapshot(step, epoch, probes, np.asarray(recon), {k: np.asarray(v) for k, v in acts.items()})

    def frame(step: int, epoch: int, loss: jax.Array | None) -> TimelineFrame:
        # Reads the weights between steps (syncing the device): ~100 times a run, dense early.
        _, recon, acts = jax.device_get(explore(params, probes))
        latents = np.asarray(jax.device_get(encode(params, map_images)))
        value = None if loss is None else float(np.asarray(jax.device_get(loss)).ravel()[0])
        return recorder.record(step, epoch, value, np.asarray(recon), acts, latents)

    if recorder is not None and recorder.due(done):
        yield frame(done, first_epoch - 1, None)

    for epoch in range(first_epoch, spec.epochs + 1):
        rng = np.random.default_rng([spec.seed, epoch])
        order = jax.device_put(rng.permutation(train_images.shape[0]).astype(np.int32))
        key = steps.epoch_key(spec, epoch)
        pending: list[jax.Array] = []
        epoch_losses: list[float] = []
        epoch_terms: list[np.ndarray] = []  # a VAE's (recon, kl) per batch
        last_flush = time.perf_counter()
        for i in range(steps_per_epoch):
            if should_stop():
                yield Finished("cancelled", history=history)
                return
            params, opt_state, loss = fns.step(params, opt_state, images, order, i, key)
            pending.append(loss)
            if recorder is not None and recorder.due(done + len(pending)):
                yield frame(done + len(pending), epoch, loss)
            now = time.perf_counter()
            if now - last_flush >= FLUSH_INTERVAL_S or i == steps_per_epoch - 1:
                fetched = np.asarray(jax.device_get(pending), np.float64)
                pending = []
                terms: dict[str, list[float]] = {}
                if fetched.ndim == 2:  # a VAE: (loss, recon, kl) per batch
                    epoch_terms.append(fetched[:, 1:])
                    terms = {"recon": fetched[:, 1].tolist(), "kl": fetched[:, 2].tolist()}
                    for name, vals in terms.items():
                        history.setdefault(name, []).extend(vals)
                    fetched = fetched[:, 0]
                values = [float(v) for v in fetched]
                start = done
                done += len(values)
                epoch_losses += values
                history["losses"] += values
                yield BatchLosses(epoch, start, values, **terms)
                now = last_flush = time.perf_counter()
                if rate_from is None:  # the first step includes compilation: measure from after it
                    rate_from = (now, done)
                    rate = len(values) * spec.batch_size / (now - started)
                elif done > rate_from[1]:
                    rate = (done - rate_from[1]) * spec.batch_size / (now - rate_from[0])
                yield Progress(epoch, spec.epochs, done, total, rate, (total - done) * spec.batch_size / rate)
                if now - last_snapshot >= snapshot_interval_s:
                    last_snapshot = now
                    yield snapshot(done, epoch)
        metrics = evaluate(spec, params, test)
        if not all(math.isfinite(v) for v in metrics.values()):
            raise FloatingPointError(f"training diverged in epoch {epoch} (test loss {metrics['test_loss']}); "
                                     "try a lower learning_rate")
        if epoch_terms:
            train_recon, train_kl = np.concatenate(epoch_terms).mean(axis=0)
            metrics.update(train_recon=float(train_recon), train_kl=float(train_kl))
        end = EpochEnd(epoch, float(np.mean(epoch_losses)), **metrics)
        history["epochs"].append(end.as_dict())
        yield EpochState(_state(epoch, params, opt_state, history, earlier_seconds + time.perf_counter() - started))
        yield end
    yield snapshot(done, spec.epochs)
    seconds = earlier_seconds + time.perf_counter() - started
    final = {**history["epochs"][-1], "epochs": spec.epochs, "train_seconds": seconds,
             "train_images": int(train_images.shape[0]), "test_images": int(test_images.shape[0])}
    frames = recorder.timeline() if recorder is not None else None
    yield Finished("done", params=steps.flatten_params(params), metrics=final, history=history, timeline=frames)


def _state(epoch: int, params, opt_state, history: dict[str, Any], seconds: float) -> TrainState:
    """The run's position after `epoch`, copied to host memory (the step donates the device buffers)."""
    leaves = [np.array(x) for x in jax.device_get(jax.tree_util.tree_leaves(opt_state))]
    copied = {k: list(v) for k, v in history.items()}
    weights = {k: np.array(v) for k, v in steps.flatten_params(params).items()}  # copies, not views of buffers
    return TrainState(epoch, weights, leaves, copied, seconds)
