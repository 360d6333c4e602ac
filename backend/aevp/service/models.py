"""The service's model layer in one handle: the store on disk, the loaded models with their executors,
and the latents with their maps. One `Models` per app; it adds only what spans the three (deleting a
model everywhere, warming up, closing)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from aevp.service.datasource import DataSource
from aevp.service.latents import Latents
from aevp.service.loaded import LoadedModels
from aevp.service.store import ModelStore
from aevp.service.timeline import ModelTimelines

T = TypeVar("T")


class Models:
    def __init__(self, models_dir: Path, pretrained_dir: Path, data: DataSource, maps_dir: Path | None = None) -> None:
        self.store = ModelStore(models_dir, pretrained_dir)
        self.loaded = LoadedModels(self.store)
        self.latents = Latents(self.store, self.loaded, data, maps_dir)
        self.timelines = ModelTimelines(self.store)

    async def run(self, fn: Callable[..., T], *args: Any, interactive: bool = True) -> T:
        """Run `fn(*args)` for a request: on the interactive (explore, decode) or the requests executor."""
        return await self.loaded.run(fn, *args, interactive=interactive)

    def delete(self, model_id: str) -> None:
        """Delete one of the user's models: its folder, its loaded weights, its latents and maps (files too)."""
        self.store.delete(model_id)
        self.loaded.forget(model_id)
        self.latents.forget(model_id, files=True)
        self.timelines.forget(model_id)

    def warm_up(self, compile_models: bool) -> None:
        """List the models and, with `compile_models`, load and compile each (failures are logged)."""
        if compile_models:
            self.loaded.warm_all()
        else:
            self.store.scan()

    def close(self) -> None:
        self.latents.close()
        self.loaded.close()
