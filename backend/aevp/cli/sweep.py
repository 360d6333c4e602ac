"""`aevp sweep`: train a grid of specs (locally, or on the Ray cluster at --ray / AEVP_RAY_ADDRESS) with a live table.

The same executors as the service run the jobs, so a sweep here trains exactly what `POST /api/sweeps` would.
`--pretrained` saves the models and the sweep into the shipped folder (the lab lists it as a ready-made sweep).
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from aevp.cli.common import fail, settings_with
from aevp.cli.train import _parse_ints, _spec_from_options

err = Console(stderr=True)
out = Console()
STATES_ENDED = ("done", "cancelled", "failed")


def parse_grid(options: list[str]) -> dict[str, list[Any]]:
    """`latent_dim=2,4,8` -> {"latent_dim": [2, 4, 8]}: each value read as JSON (a number), else as text."""
    grid: dict[str, list[Any]] = {}
    for option in options:
        key, sep, text = option.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key or not text.strip():
            fail(f"--grid takes FIELD=V1,V2,..., e.g. latent_dim=2,4,8; got {option!r}", code=2)
        if key in grid:
            fail(f"--grid {key} is given twice", code=2)
        values = []
        for part in text.split(","):
            part = part.strip()
            try:
                values.append(json.loads(part))
            except ValueError:
                values.append(part)
        grid[key] = values
    return grid


class Row:
    """One job's live state, updated from its executor's thread."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.state = "queued"
        self.step = self.total = self.epoch = 0
        self.loss: float | None = None
        self.metrics: dict[str, Any] = {}
        self.error: str | None = None
        self.model_id: str | None = None


def table(rows: list[Row]) -> Table:
    t = Table(title=None, expand=False)
    for name in ("#", "values", "state", "epoch", "step", "loss", "test loss", "PSNR", "SSIM"):
        t.add_column(name, justify="right" if name not in ("values", "state") else "left")
    colour = {"done": "green", "failed": "red", "cancelled": "yellow", "running": "cyan"}
    for i, r in enumerate(rows, start=1):
        m = r.metrics
        fmt = lambda v, f: "" if v is None else format(v, f)  # noqa: E731
        t.add_row(
            str(i), ", ".join(f"{k}={v}" for k, v in r.params.items()),
            f"[{colour.get(r.state, 'white')}]{r.state}[/]", str(r.epoch), f"{r.step}/{r.total or '?'}",
            fmt(r.loss, ".4f"), fmt(m.get("test_loss"), ".4f"), fmt(m.get("psnr"), ".2f"), fmt(m.get("ssim"), ".3f"),
        )
    return t


def sweep_command(
    grid: Annotated[list[str], typer.Option("--grid", help="FIELD=V1,V2,...: a spec field (or filters/kernel "
                                            "for every block) and its values; repeat for more fields")],
    dataset: Annotated[str, typer.Option(help="mnist, fashion-mnist, quickdraw or one you imported")] = "mnist",
    filters: Annotated[str, typer.Option(help="Base spec: filters of each conv block, comma-separated")] = "32,64",
    kernel: Annotated[int, typer.Option(help="Base spec: kernel size of every block (3 or 5)")] = 3,
    latent_dim: Annotated[int, typer.Option(help="Base spec: size of the bottleneck")] = 16,
    variant: Annotated[str, typer.Option(help="plain, vae or denoising")] = "plain",
    activation: Annotated[str, typer.Option()] = "relu",
    learning_rate: Annotated[float, typer.Option("--learning-rate", "--lr")] = 1e-3,
    batch_size: Annotated[int, typer.Option()] = 128,
    epochs: Annotated[int, typer.Option()] = 5,
    seed: Annotated[int, typer.Option()] = 0,
    jobs: Annotated[int | None, typer.Option(help="Jobs at once (default AEVP_MAX_CONCURRENT_JOBS)")] = None,
    ray: Annotated[str | None, typer.Option(help="A Ray cluster's address (default AEVP_RAY_ADDRESS; empty: "
                                            "train in this process)")] = None,
    train_limit: Annotated[int | None, typer.Option(help="Train on the first N images only (quick runs)")] = None,
    pretrained: Annotated[bool, typer.Option(help="Save the models and the sweep as shipped ones")] = False,
    sweep_id: Annotated[str, typer.Option("--id", help="The sweep's id (with --pretrained: its file name)")] = "",
    title: Annotated[str | None, typer.Option(help="A name for the sweep")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Dataset cache (default: AEVP_DATA_DIR)")] = None,
    models_dir: Annotated[Path | None, typer.Option(help="Where models are saved (default: AEVP_MODELS_DIR)")] = None,
) -> None:
    """Train one model per combination of the grid's values, showing a live table of the jobs."""
    from aevp.data import DataError, load_dataset
    from aevp.ml import checkpoint, timeline_file
    from aevp.service.jobs.executors import make_executor
    from aevp.service.sweeps.grid import GridError, expand

    base = _spec_from_options(
        dataset=dataset, blocks=[{"filters": f, "kernel": kernel} for f in _parse_ints(filters, "--filters")],
        latent_dim=latent_dim, variant=variant, activation=activation, learning_rate=learning_rate,
        batch_size=batch_size, epochs=epochs, seed=seed,
    )
    sweep_grid = parse_grid(grid)
    try:
        combos = expand(base, sweep_grid)
    except GridError as e:
        fail(str(e), code=2)
    settings = settings_with(data_dir=data_dir, models_dir=models_dir)
    address = settings.ray_address if ray is None else ray
    sweep_id = sweep_id or "s-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    if not checkpoint.is_valid_id(sweep_id):
        fail(f"--id must be lowercase letters, digits and dashes, not {sweep_id!r}", code=2)
    try:
        data = load_dataset(base.dataset, settings.data_dir)
    except DataError as exc:
        fail(str(exc))
    if train_limit:
        from dataclasses import replace

        data = replace(data, train_images=data.train_images[:train_limit])
    executor = make_executor(address)
    root = settings.pretrained_dir if pretrained else settings.models_dir
    rows = [Row(params) for params, _ in combos]
    stop = threading.Event()
    options = {"snapshot_interval_s": 5.0, "probe_count": 1, "test_labels": data.test_labels}

    def run(index: int) -> None:
        spec, row = combos[index][1], rows[index]
        if stop.is_set():
            row.state = "cancelled"
            return
        row.state = "running"
        finished: list[Any] = []

        def emit(event: Any) -> bool:
            kind = type(event).__name__
            if kind == "BatchLosses" and len(event.values):
                row.loss = float(event.values[-1])
            elif kind == "Progress":
                row.step, row.total, row.epoch = event.step, event.total_steps, event.epoch
            elif kind == "EpochEnd":
                row.metrics = {"test_loss": event.test_loss, "psnr": event.psnr, "ssim": event.ssim}
            elif kind == "Finished":
                finished.append(event)
                return True
            return False

        try:
            executor.run(spec, data, None, options, stop.is_set, emit)
        except Exception as e:  # one job's failure (a lost Ray worker) does not stop the others
            row.state, row.error = "failed", f"{type(e).__name__}: {e}"
            return
        end = finished[0] if finished else None
        if end is None or end.state != "done" or end.params is None:
            row.state = end.state if end is not None else "failed"
            row.error = end.error if end is not None else "training ended without a result"
            return
        model_id = f"{checkpoint.spec_name(spec)}-{spec.dataset}-{sweep_id}" if pretrained else None
        timeline = timeline_file.dump(end.timeline) if end.timeline is not None else None
        row.model_id = checkpoint.save(root, spec, end.params, end.metrics, end.history, model_id=model_id,
                                       timeline=timeline)
        row.metrics = {k: end.metrics.get(k) for k in ("test_loss", "psnr", "ssim")}
        row.state = "done"

    where = f"the Ray cluster at {address}" if address else "this process"
    width = jobs or settings.max_concurrent_jobs
    out.print(f"Sweep [bold]{sweep_id}[/]: {len(combos)} jobs over {', '.join(sweep_grid)} on {base.dataset}, "
              f"{width} at a time in {where}")
    with ThreadPoolExecutor(max_workers=width) as pool, Live(table(rows), console=err, refresh_per_second=4) as live:
        futures = [pool.submit(run, i) for i in range(len(combos))]
        try:
            while not all(f.done() for f in futures):
                live.update(table(rows))
                time.sleep(0.25)
        except KeyboardInterrupt:
            stop.set()
            err.print("[yellow]Stopping every job after its batch...[/]")
            for f in futures:
                f.result()
        live.update(table(rows))
    executor.close()
    for row in rows:
        if row.error:
            err.print(f"{', '.join(f'{k}={v}' for k, v in row.params.items())}: {row.state}: {row.error}")
    if pretrained and all(r.state == "done" for r in rows):  # a shipped sweep is a finished one
        _write_shipped(root, sweep_id, title, base, sweep_grid, rows)
    out.print(table(rows))
    if any(r.state != "done" for r in rows):
        raise typer.Exit(1)


def _write_shipped(root: Path, sweep_id: str, title: str | None, base: Any, grid: dict, rows: list[Row]) -> None:
    from aevp.service.schemas import SweepInfo
    from aevp.service.sweeps import shipped

    jobs = [
        {"job_id": r.model_id, "params": r.params, "state": r.state, "model_id": r.model_id, **r.metrics}
        for r in rows
    ]
    info = SweepInfo(id=sweep_id, title=title, created=datetime.now(UTC), base=base, grid=grid, state="done",
                     pretrained=True, job_ids=[r.model_id or "" for r in rows], jobs=jobs)
    path = shipped.write(root / shipped.FOLDER, info)
    out.print(f"Saved the sweep as {path}")


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep_command)
