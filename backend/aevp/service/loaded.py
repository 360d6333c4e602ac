"""The models loaded for inference (an LRU of `Inference` objects) and the three executors that run model work.

Explore and decode take about a millisecond and run on the *interactive* executor. What else a page asks
for (the listing, a model's details, latent statistics, the PCA map, uploads) runs on the *requests*
executor, and the warm-up that follows "ready" (the other models' statistics and maps) on its own
*warming* one: a page never queues behind work nobody asked for, and a slow request never queues in front
of a slider. Compiled functions are cached per architecture inside `aevp.ml`, so the weights are all a
model costs here.
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
    from aevp.service.store import ModelEntry

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_LOADED_MODELS = 32  # weights are small (under 20 MB at the spec's size limit); compiled code is shared


class LoadedModels:
    def __init__(self, store: ModelStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._loaded: OrderedDict[str, Inference] = OrderedDict()
        self.interactive = ThreadPoolExecutor(max_workers=2, thread_name_prefix="aevp-explore")
        # Several threads: one model's first latent statistics (about a second) must not hold up a listing.
        self.requests = ThreadPoolExecutor(max_workers=4, thread_name_prefix="aevp-requests")
        self.warming = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aevp-warm")

    async def run(self, fn: Callable[..., T], *args: Any, interactive: bool = True) -> T:
        """Run `fn(*args)` for a request: on the interactive (explore, decode) or the requests executor."""
        executor = self.interactive if interactive else self.requests
        return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)

    async def run_warm_up(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the warming executor, which no request ever waits on."""
        return await asyncio.get_running_loop().run_in_executor(self.warming, fn, *args)

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
        for executor in (self.interactive, self.requests, self.warming):
            executor.shutdown(wait=False, cancel_futures=True)


def first_model(entries: list[ModelEntry]) -> ModelEntry | None:
    """The model a new page opens, as the lab picks it (frontend/src/state/views.ts, initialModel): the
    pretrained plain MNIST autoencoder, else any pretrained MNIST model, else any pretrained, else the newest."""
    pretrained = [e for e in entries if e.pretrained]
    mnist = [e for e in pretrained if e.spec.dataset == "mnist"]
    for group in ([e for e in mnist if e.spec.variant == "plain"], mnist, pretrained):
        if group:
            return group[0]
    return max(entries, key=lambda e: e.created, default=None)
