"""Helpers shared by the CLI commands: clean failures, settings overrides, model lookup."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

from aevp.settings import Settings

_err = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear message (no traceback) and exit non-zero."""
    _err.print(f"[red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings_with(**overrides: Path | None) -> Settings:
    """Settings from the environment, with the CLI options that were given taking precedence."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def resolve_model(model: str, settings: Settings):
    """A checkpoint by id (user models first, then pretrained) or by folder path."""
    from aevp.ml import checkpoint

    candidates = [Path(model)] if "/" in model or Path(model).is_dir() else []
    if checkpoint.is_valid_id(model):
        candidates += [root / model for root in settings.model_dirs]
    for path in candidates:
        if path.is_dir():
            try:
                return checkpoint.load(path)
            except checkpoint.CheckpointError as exc:
                fail(str(exc))
    fail(f"no model {model!r}; `aevp models list` shows the available ones")
