"""The models loaded for inference (an LRU of `Inference` objects) and the two executors that run model work.

Explore and decode take about a millisecond and run on the interactive executor; loading, latent
statistics and maps take longer and run on the background one, so they never queue in front of a slider.
Compiled functions are cached per architecture inside `aevp.ml`, so the weights are all a model costs here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from aevp.ml.spec import IMAGE_SIZE
from aevp.service.store import ModelStore, load_checkpoint

if TYPE_CHECKING:
    from aevp.ml.inference import Inference

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_LOADED_MODELS = 32  # weights are small (under 20 MB at the spec's size limit); compiled code is shared


class LoadedModels:
    def __init__(self, store: ModelStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._loaded: OrderedDict[str, Inference] = OrderedDict()
        self.interactive = ThreadPoolExecutor(max_workers=2, thread_name_prefix="aevp-explore")
        self.background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aevp-models")

    async def run(self, fn: Callable[..., T], *args: Any, interactive: bool = True) -> T:
        """Run `fn(*args)` on the interactive (explore, decode) or the background executor."""
        executor = self.interactive if interactive else self.background
        return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)

    def inference(self, model_id: str) -> Inference:
        """The model's loaded weights; ModelNotFound once the store no longer lists it."""
        entry = self.store.get(model_id)
        with self._lock:
            inf = self._loaded.get(model_id)
            if inf is not None:
                self._loaded.move_to_end(model_id)
                return inf
        from aevp.ml.inference import Inference

        ckpt = load_checkpoint(entry.path)
        inf = Inference(ckpt.spec, ckpt.params)
        with self._lock:
            inf = self._loaded.setdefault(model_id, inf)
            while len(self._loaded) > MAX_LOADED_MODELS:
                self._loaded.popitem(last=False)
        return inf

    def warm(self, model_id: str) -> None:
        """Load and compile a model, and the explore answer's SSIM."""
        from aevp.ml.metrics import ssim_one

        self.inference(model_id).warm()
        blank = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
        ssim_one(blank, blank)

    def warm_all(self) -> None:
        for entry in self.store.scan():
            try:
                self.warm(entry.id)
            except Exception:  # a broken checkpoint is logged and skipped, never fatal
                log.exception("could not load model %s", entry.id)

    def forget(self, model_id: str) -> None:
        with self._lock:
            self._loaded.pop(model_id, None)

    def close(self) -> None:
        self.interactive.shutdown(wait=False, cancel_futures=True)
        self.background.shutdown(wait=False, cancel_futures=True)
