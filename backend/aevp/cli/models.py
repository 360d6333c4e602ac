"""`aevp models list|delete`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from aevp.cli.common import fail, settings_with

app = typer.Typer(no_args_is_help=True, help="List and manage trained models.")
out = Console()


@app.command("list")
def list_models(
    models_dir: Annotated[Path | None, typer.Option(help="User models (default: AEVP_MODELS_DIR)")] = None,
) -> None:
    """Pretrained and user-trained models with their test metrics."""
    from aevp.ml import checkpoint

    settings = settings_with(models_dir=models_dir)
    table = Table("id", "kind", "dataset", "architecture", "params", "PSNR dB", "SSIM", "trained")
    count = 0
    for root, kind in ((settings.models_dir, "yours"), (settings.pretrained_dir, "pretrained")):
        for info in checkpoint.list_checkpoints(root):
            m = info.metrics
            table.add_row(
                info.id, kind, info.spec.dataset, info.spec.summary(), f"{info.spec.param_count:,}",
                f"{m['psnr']:.2f}" if "psnr" in m else "-", f"{m['ssim']:.3f}" if "ssim" in m else "-",
                time.strftime("%Y-%m-%d %H:%M", time.localtime(info.created)),
            )
            count += 1
    if not count:
        out.print("No models yet: train one with `aevp train` or run `make pretrained`.")
        return
    out.print(table)


@app.command("delete")
def delete_model(
    model_id: Annotated[str, typer.Argument(help="Id of one of your models")],
    models_dir: Annotated[Path | None, typer.Option(help="User models (default: AEVP_MODELS_DIR)")] = None,
) -> None:
    """Delete one of your models (pretrained ones are kept)."""
    from aevp.ml import checkpoint

    settings = settings_with(models_dir=models_dir)
    try:
        checkpoint.delete(settings.models_dir, model_id)
    except checkpoint.CheckpointError as exc:
        fail(str(exc))
    out.print(f"Deleted {model_id}.")
