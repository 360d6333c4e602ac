"""Each training event, by class, into the job's stream (its `Topic`) and the job store; streams read back."""

from __future__ import annotations

import asyncio
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from aevp.ml import events as ev
from aevp.ml.spec import ModelSpec
from aevp.service.jobs import resume as checkpoints
from aevp.service.jobs.records import Job
from aevp.service.jobs.store import JobStore
from aevp.service.schemas import VAE_EPOCH_FIELDS, EndMessage, EpochMetrics, Progress
from aevp.service.topic import RawSnapshot, Topic

# train(spec, train_images, test_images, *, should_stop, snapshot_interval_s, probe_count[, resume]) -> events
Trainer = Callable[..., Iterator[ev.TrainEvent]]


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def publish(job: Job, event: ev.TrainEvent, db: JobStore, checkpoint_dir: Path) -> ev.Finished | None:
    """Publishes one event to the job's topic and records it; returns the `Finished` event that ends the job."""
    topic = job.topic
    assert topic is not None, "a running job has a live topic"
    match event:
        case ev.BatchLosses():
            values = [float(v) for v in event.values]
            vae_terms = {"recon": event.recon, "kl": event.kl}
            terms = {k: [float(v) for v in vals] for k, vals in vae_terms.items() if vals is not None}
            db.append_losses(job.id, event.start_step, values, terms)
            topic.add_losses(event.start_step, values, terms or None)
        case ev.Progress():
            total = max(int(event.total_steps), 1)
            progress = Progress(
                epoch=event.epoch,
                epochs=event.epochs,
                step=event.step,
                total_steps=event.total_steps,
                images_per_s=_finite(event.images_per_s),
                eta_s=_finite(event.eta_s),
                fraction=min(max(event.step / total, 0.0), 1.0),
            )
            topic.set_progress(progress)
            db.set_progress(job.id, progress)
        case ev.Snapshot():
            topic.set_snapshot(
                RawSnapshot(
                    step=event.step,
                    inputs=np.asarray(event.inputs),
                    reconstructions=np.asarray(event.reconstructions),
                    activations={k: np.asarray(v) for k, v in event.activations.items()},
                )
            )
        case ev.TimelineFrame():
            topic.add_timeline_frame(event)
        case ev.EpochState():
            # Before the epoch's metrics are published: a client that saw epoch e can resume after it.
            checkpoints.save(checkpoint_dir, job.id, event.state)
            job.checkpoint_epoch = event.state.epoch
            db.save(job)
        case ev.EpochEnd():
            metrics = EpochMetrics(
                epoch=event.epoch,
                train_loss=_finite(event.train_loss),
                test_loss=_finite(event.test_loss),
                psnr=_finite(event.psnr),
                ssim=_finite(event.ssim),
                **{k: _finite(getattr(event, k)) for k in VAE_EPOCH_FIELDS},
            )
            db.add_epoch(job.id, metrics)
            topic.add_epoch(metrics)
        case ev.Finished():
            return event
    return None


def epoch_metrics(history: dict[str, Any]) -> list[EpochMetrics]:
    """A checkpoint's epochs (plain dicts from the training loop) as the API's metrics."""
    fields = EpochMetrics.model_fields
    return [
        EpochMetrics(**{k: int(v) if k == "epoch" else _finite(v) for k, v in e.items() if k in fields})
        for e in history.get("epochs", [])
    ]


def start_progress(topic: Topic, spec: ModelSpec, state: ev.TrainState | None, train_images: int) -> None:
    """A resumed job's topic, before it runs again: the checkpoint's history and where the bar stands."""
    history = state.history if state is not None else {"losses": [], "epochs": []}
    terms = {k: list(history[k]) for k in ("recon", "kl") if k in history}
    losses = list(history["losses"])
    if losses:
        topic.add_losses(0, losses, terms or None)
    for metrics in epoch_metrics(history):
        topic.add_epoch(metrics)
    total = (train_images // spec.batch_size) * spec.epochs
    epoch = state.epoch if state is not None else 0
    topic.set_progress(
        Progress(
            epoch=epoch,
            epochs=spec.epochs,
            step=len(losses),
            total_steps=total,
            images_per_s=None,
            eta_s=None,
            fraction=min(len(losses) / total, 1.0) if total else 0.0,
        )
    )


def load_topic(db: JobStore, job: Job, loop: asyncio.AbstractEventLoop) -> Topic:
    """A stored job's stream, read back from the store: its history, last progress and (unless active) its end."""
    losses, terms, epochs = db.history(job.id)
    topic = Topic(loop, job.spec.layers())
    topic.add_losses(0, losses.tolist(), {k: v.tolist() for k, v in terms.items()} or None)
    for metrics in epochs:
        topic.add_epoch(metrics)
    if job.saved_progress is not None:
        topic.set_progress(job.saved_progress)
    if not job.active:
        topic.finish(EndMessage(state=job.state, model_id=job.model_id, error=job.error))  # type: ignore[arg-type]
    return topic


class TopicCache:
    """The streams of ended jobs kept in memory (least recently used dropped first): any thread may use it."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._topics: OrderedDict[str, Topic] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Topic | None:
        with self._lock:
            topic = self._topics.get(job_id)
            if topic is not None:
                self._topics.move_to_end(job_id)
            return topic

    def put(self, job_id: str, topic: Topic) -> None:
        with self._lock:
            self._topics[job_id] = topic
            self._topics.move_to_end(job_id)
            while len(self._topics) > self._size:
                self._topics.popitem(last=False)

    def drop(self, job_id: str) -> None:
        with self._lock:
            self._topics.pop(job_id, None)
