"""`aevp latent-map` (old name `aevp project`): a model's test set on a 2-D latent map (PCA, t-SNE, UMAP or the
latent plane) as a PNG."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from aevp.cli.common import fail, resolve_model, settings_with
from aevp.data import DataError, load_dataset

err = Console(stderr=True)
out = Console()

TITLES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP", "latent": "latent plane"}


class Method(StrEnum):
    pca = "pca"
    tsne = "tsne"
    umap = "umap"
    latent = "latent"


def _fit(method: str, z: np.ndarray) -> np.ndarray:
    """The map's points, with a progress bar for the slow methods."""
    if method == "pca":
        from aevp.ml.pca import fit_pca

        return fit_pca(z).transform(z)
    if method == "latent":
        return z.astype(np.float64)
    from aevp.ml.embed import fit_tsne, fit_umap

    fit = fit_tsne if method == "tsne" else fit_umap
    columns = (
        TextColumn("{task.description} [dim]{task.fields[stage]}[/]"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err) as bar:
        task = bar.add_task(TITLES[method], total=1.0, stage="")
        return fit(z, progress=lambda stage, fraction: bar.update(task, completed=fraction, stage=stage))


def latent_map_command(
    model: Annotated[str, typer.Argument(help="A model id (see `aevp models list`) or a model folder")],
    method: Annotated[
        Method, typer.Option(help="pca (instant), tsne (~20-40 s), umap (~20 s), or latent (a model with a 2-D latent)")
    ] = Method.pca,
    out_path: Annotated[Path | None, typer.Option("--out", help="The PNG to write (default: MODEL-METHOD.png)")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Dataset cache (default: AEVP_DATA_DIR)")] = None,
    models_dir: Annotated[Path | None, typer.Option(help="User models (default: AEVP_MODELS_DIR)")] = None,
) -> None:
    """Draw the model's test set on a 2-D latent map, coloured by class, as a PNG."""
    from aevp.cli.mapimage import render_map
    from aevp.ml.inference import Inference

    settings = settings_with(data_dir=data_dir, models_dir=models_dir)
    ckpt = resolve_model(model, settings)
    kind = method.value
    if kind == "latent" and ckpt.spec.latent_dim != 2:
        fail(f"--method latent needs a model with a 2-D latent; {ckpt.id} has {ckpt.spec.latent_dim}", code=2)
    target = out_path or Path(f"{ckpt.id}-{kind}.png")
    if target.suffix.lower() != ".png":
        fail(f"--out must name a .png file, got {str(target)!r}", code=2)
    try:
        data = load_dataset(ckpt.spec.dataset, settings.data_dir)
    except DataError as exc:
        fail(str(exc))
    t0 = time.perf_counter()
    z = np.asarray(Inference(ckpt.spec, ckpt.params).encode(data.test_images.astype(np.float32) / 255.0))
    encoded = time.perf_counter() - t0
    points = _fit(kind, z)
    seconds = time.perf_counter() - t0
    title = f"{ckpt.id} · {TITLES[kind]} of {len(z):,} test images"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        render_map(points, data.test_labels, data.class_names, title).save(target)
    except OSError as exc:
        fail(f"could not write {target}: {exc}")
    out.print(
        f"Wrote {target}: {TITLES[kind]} of {len(z):,} test images ({encoded:.1f} s encoding, "
        f"{seconds - encoded:.1f} s mapping)"
    )


def register(app: typer.Typer) -> None:
    app.command("latent-map")(latent_map_command)
    # The command's name before the concept got one name; kept so that scripts keep working.
    app.command("project", hidden=True, deprecated=True, help="Old name of `aevp latent-map`.")(latent_map_command)
