"""Dynamic batching of explore and decode requests across sockets (and REST calls).

A request joins the queue of its (model, kind); one drain task takes the oldest queue's first `max_batch`
items once its first item has waited a short window (`window_s`, counted from its arrival, so that requests
from other sockets arriving meanwhile ride along) and runs them as one batch: one jitted call, padded to a
fixed batch size so nothing recompiles. One batch runs at a time, so while it runs the next one fills up:
under load, batches grow by themselves, their first item has already waited longer than the window, and
they start at once. (A whole window slept before every batch, as before, left the worker idle between
batches: the class load test sat at the server's capacity, round trip p50 ~50 ms against 18-37 ms now. Two
batches at once, one computing while the other's answers travel, cost more CPU per answer and did not lower
the p95; both in docs/performance.md.) Each answer resolves its own request's future;
newest-request-wins stays with each socket, which keeps at most one request per kind waiting here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any

WINDOW_S = 0.0015
MAX_BATCH = 32

Key = tuple[Any, ...]  # (model key, kind): the items of one batch share it


class Batcher:
    def __init__(
        self,
        run: Callable[[Key, Sequence[Any]], Sequence[Any]],
        executor: Executor,
        window_s: float = WINDOW_S,
        max_batch: int = MAX_BATCH,
    ) -> None:
        """`run(key, items)` answers a batch (blocking; it runs on `executor`), one answer per item."""
        self.run = run
        self.executor = executor
        self.window_s = window_s
        self.max_batch = max_batch
        # Each queue's items in arrival order, with their answer's future and arrival time (the loop's clock).
        self._queues: dict[Key, list[tuple[Any, asyncio.Future[Any], float]]] = {}
        self._drain: asyncio.Task[None] | None = None
        self.batches = 0
        self.items = 0

    @property
    def waiting(self) -> int:
        return sum(len(q) for q in self._queues.values())

    async def submit(self, key: Key, item: Any) -> Any:
        """The answer to `item`, computed in a batch with whatever else of `key` is waiting."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queues.setdefault(key, []).append((item, future, loop.time()))
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._run_all())
        return await future

    async def _run_all(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queues:
            key = next(iter(self._queues))
            waiting = self._queues[key]
            left = waiting[0][2] + self.window_s - loop.time()
            if len(waiting) < self.max_batch and left > 0:
                await asyncio.sleep(left)  # let the other sockets' requests of this moment join
            queue = self._queues.pop(key)
            batch, rest = queue[: self.max_batch], queue[self.max_batch :]
            if rest:  # the others wait behind the queues of other models: fair between models
                self._queues[key] = rest
            batch = [(item, f) for item, f, _ in batch if not f.done()]  # a socket that left stops waiting
            if not batch:
                continue
            self.batches += 1
            self.items += len(batch)
            try:
                answers = await loop.run_in_executor(self.executor, self.run, key, [item for item, _ in batch])
            except Exception as e:
                for _, f in batch:
                    if not f.done():
                        f.set_exception(e)
                continue
            for (_, f), answer in zip(batch, answers, strict=True):
                if not f.done():
                    f.set_result(answer)
