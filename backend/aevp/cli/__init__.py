"""The `aevp` command: each sub-command group lives in its own module."""

import typer

from aevp.cli import data, latent_map, models, serve, sweep, timeline, train

app = typer.Typer(no_args_is_help=True, add_completion=False, help="AeVP: build, train and explore autoencoders.")
app.add_typer(data.app, name="data")
app.add_typer(models.app, name="models")
app.add_typer(timeline.app, name="timeline")
train.register(app)
latent_map.register(app)
serve.register(app)
sweep.register(app)


def main() -> None:
    app()
