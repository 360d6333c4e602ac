"""The models loaded for inference (an LRU of `Inference` objects), the executors that run model work, and
the interactive path.

Explore and decode from every socket and REST call go through one `Batcher` (requests of a moment
computed together) into the interactive worker process (`inference_worker.py`), or, without one
(`AEVP_INTERACTIVE_PROCESS=0`), onto the *interactive* executor here. What else a page asks for (the
listing, a model's details, latent statistics, the PCA map, uploads) runs on the *requests* executor, and
the warm-up that follows "ready" (the other models' statistics and maps) on its own *warming* one: a page
never queues behind work nobody asked for, and a slow request never queues in front of a slider. Compiled
functions are cached per architecture inside `aevp.ml`, so the weights are all a model costs here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from aevp.ml.checkpoint import CheckpointError
from aevp.service.batcher import Batcher
from aevp.service.inference_worker import WorkerError, WorkerProcess
from aevp.service.store import ModelEntry, ModelStore, load_checkpoint
from aevp.settings import Settings

if TYPE_CHECKING:
    from aevp.ml.inference import Inference
    from aevp.service.batch_compute import DecodeItem, ExploreItem
    from aevp.service.frames import Answer

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_LOADED_MODELS = 32  # weights are small (under 20 MB at the spec's size limit); compiled code is shared


class LoadedModels:
    def __init__(self, store: ModelStore, settings: Settings | None = None) -> None:
        self.store = store
        settings = settings or Settings()
        self._lock = threading.Lock()
        self._loaded: OrderedDict[str, Inference] = OrderedDict()
        self.interactive = ThreadPoolExecutor(max_workers=2, thread_name_prefix="aevp-explore")
        # Explore and decode from every socket and REST call: batched, in the worker process when there is one.
        self.worker = WorkerProcess() if settings.interactive_process else None
        self.batcher = Batcher(self._run_batch, self.interactive, settings.explore_batch_window_ms / 1000)
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

    async def explore(self, entry: ModelEntry, item: ExploreItem) -> Answer:
        """One image's answer, computed in a batch with the other requests for this model of the moment."""
        return await self.batcher.submit((*_version(entry), "explore"), item)

    async def decode(self, entry: ModelEntry, item: DecodeItem) -> Answer:
        """One latent's answer (the decoder's layers), batched like `explore`."""
        return await self.batcher.submit((*_version(entry), "decode"), item)

    def _run_batch(self, key: tuple[Any, ...], items: list[Any]) -> list[Answer]:
        model_id, version, path, kind = key
        if self.worker is not None:
            try:
                return self.worker.call(kind, (model_id, version), path, items)
            except WorkerError as e:
                if e.kind == "CheckpointError":  # the folder broke: the same answer as without a worker
                    raise CheckpointError(str(e)) from None
                raise
        from aevp.service import batch_compute

        compute = batch_compute.explore if kind == "explore" else batch_compute.decode
        inf = self.inference(model_id)
        answers = compute(inf, items)
        for wanted_kind, n in inf.take_wanted():  # better batch sizes, compiled where no request waits
            self.warming.submit(inf.compile, wanted_kind, n)
        return answers

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
        """Load and compile a model: explore and decode where they run (the worker, else here), and what the
        server itself runs (encode for maps and statistics, decode for walks); the two processes in parallel."""
        in_worker = None
        if self.worker is not None:
            model_id, version, path = _version(self.store.get(model_id))
            in_worker = self.interactive.submit(self.worker.call, "warm", (model_id, version), path, (1,))
        self.inference(model_id).warm(interactive=self.worker is None)
        if in_worker is not None:
            in_worker.result()

    def compile_batch_sizes(self, model_id: str) -> None:
        """Compile every batch size of `model_id`'s explore and decode where they run, on a background thread
        there (blocks until done): the model a class opens first is ready for batches of any size."""
        if self.worker is not None:
            model_id, version, path = _version(self.store.get(model_id))
            self.worker.call("compile_all", (model_id, version), path)
            return
        inf = self.inference(model_id)
        for kind, n in inf.all_batch_kinds():
            inf.compile(kind, n)

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
        if self.worker is not None:
            self.worker.close()


def _version(entry: ModelEntry) -> tuple[str, str, Path]:
    """(id, version, folder): the version changes when the folder is replaced, so the worker reloads it."""
    try:
        st = entry.path.stat()
        stamp = f"{st.st_ino}:{st.st_mtime_ns}"
    except OSError:
        stamp = "gone"
    return entry.id, f"{entry.created.isoformat()}:{stamp}", entry.path


def first_model(entries: list[ModelEntry]) -> ModelEntry | None:
    """The model a new page opens, as the lab picks it (frontend/src/state/views.ts, initialModel): the
    pretrained plain MNIST autoencoder, else any pretrained MNIST model, else any pretrained, else the newest."""
    pretrained = [e for e in entries if e.pretrained]
    mnist = [e for e in pretrained if e.spec.dataset == "mnist"]
    for group in ([e for e in mnist if e.spec.variant == "plain"], mnist, pretrained):
        if group:
            return group[0]
    return max(entries, key=lambda e: e.created, default=None)
