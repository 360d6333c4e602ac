"""`aevp timeline rebuild MODEL`: a model's timeline, recorded by training it again with its spec and seed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

from aevp.cli.common import fail, resolve_model, settings_with

app = typer.Typer(no_args_is_help=True, help="Training timelines ('How it learned').")
out = Console()
err = Console(stderr=True)

# The same spec, seed and data on the same kind of machine give the same run bit for bit; another CPU or XLA
# build may round a few operations differently. Within these bounds the run is the model's own; beyond, the
# timeline would show a different model's training and nothing is written.
WEIGHT_ATOL = 1e-3
METRIC_RTOL = 1e-3


@app.command("rebuild")
def rebuild(
    model: Annotated[str, typer.Argument(help="A model id (pretrained ones included) or a model folder")],
    data_dir: Annotated[Path | None, typer.Option(help="Dataset cache (default: AEVP_DATA_DIR)")] = None,
    models_dir: Annotated[Path | None, typer.Option(help="User models (default: AEVP_MODELS_DIR)")] = None,
) -> None:
    """Train MODEL again from its spec and seed, recording the timeline; written into its folder only when the
    final weights and metrics match the model's."""
    from aevp.data import DataError, load_dataset
    from aevp.ml import timeline_file
    from aevp.ml.events import Finished
    from aevp.ml.events import Progress as TrainProgress
    from aevp.ml.train import train

    settings = settings_with(data_dir=data_dir, models_dir=models_dir)
    ckpt = resolve_model(model, settings)
    try:
        data = load_dataset(ckpt.spec.dataset, settings.data_dir)
    except DataError as exc:
        fail(str(exc))
    count = int(ckpt.metrics.get("train_images", data.train_images.shape[0]))
    out.print(f"Training {ckpt.id} again ({ckpt.spec.summary()}, seed {ckpt.spec.seed}, {count:,} images) "
              "to record its timeline")
    finished = None
    with Progress(BarColumn(), TaskProgressColumn(), TimeRemainingColumn(), console=err) as bar:
        task = bar.add_task("train", total=None)
        for event in train(ckpt.spec, data.train_images[:count], data.test_images, test_labels=data.test_labels):
            if isinstance(event, TrainProgress):
                bar.update(task, completed=event.step, total=event.total_steps)
            elif isinstance(event, Finished):
                finished = event
    if finished is None or finished.state != "done" or finished.params is None or finished.timeline is None:
        fail(f"training failed: {finished.error if finished else 'no result'}")
    diff = max(float(np.max(np.abs(finished.params[k] - v))) for k, v in ckpt.params.items())
    changed = {k: (v, finished.metrics.get(k)) for k, v in ckpt.metrics.items()
               if k in ("test_loss", "psnr", "ssim", "test_elbo") and isinstance(v, float)
               and not np.isclose(finished.metrics.get(k, np.nan), v, rtol=METRIC_RTOL, atol=0)}
    out.print(f"largest weight difference {diff:.3g}; test loss {finished.metrics['test_loss']:.6f} "
              f"(shipped {ckpt.metrics.get('test_loss', float('nan')):.6f}), PSNR {finished.metrics['psnr']:.4f} dB "
              f"(shipped {ckpt.metrics.get('psnr', float('nan')):.4f})")
    if diff > WEIGHT_ATOL or changed:
        fail(f"the run does not reproduce {ckpt.id} (weights differ by up to {diff:.3g}, metrics {changed}); "
             "nothing written")
    data_bytes = timeline_file.dump(finished.timeline)
    timeline_file.write_into(ckpt.path, data_bytes, ckpt.spec)
    out.print(f"Wrote {ckpt.path / timeline_file.FILE}: {len(finished.timeline)} frames, {len(data_bytes):,} bytes")
