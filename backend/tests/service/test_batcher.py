"""aevp.service.batcher on its own: requests of a moment share a batch, each gets its own answer."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from aevp.service.batcher import Batcher


def test_requests_of_a_moment_share_batches_and_get_their_own_answers() -> None:
    seen: list[tuple[tuple, list[int]]] = []
    lock = threading.Lock()

    def run(key: tuple, items: list[int]) -> list[str]:
        time.sleep(0.01)  # a model call: more requests arrive meanwhile
        with lock:
            seen.append((key, list(items)))
        return [f"{key[0]}:{x * 10}" for x in items]

    async def main() -> list[str]:
        batcher = Batcher(run, ThreadPoolExecutor(1), window_s=0.002, max_batch=8)
        calls = [batcher.submit(("m1" if i % 3 else "m2", "explore"), i) for i in range(40)]
        return await asyncio.gather(*calls)

    answers = asyncio.run(main())
    assert answers == [f"{'m1' if i % 3 else 'm2'}:{i * 10}" for i in range(40)]
    assert sum(len(items) for _, items in seen) == 40
    assert all(len(items) <= 8 for _, items in seen) and len(seen) <= 8  # 40 requests, a handful of calls
    assert all({key[0] for key, _ in seen if x in _} for x in range(40))
    for key, items in seen:  # a batch never mixes models, and keeps arrival order
        assert all(("m1" if i % 3 else "m2") == key[0] for i in items) and items == sorted(items)


def test_a_failed_batch_fails_its_requests_only() -> None:
    def run(key: tuple, items: list[int]) -> list[int]:
        if key[0] == "bad":
            raise RuntimeError("broken model")
        return items

    async def main() -> tuple[list, int]:
        batcher = Batcher(run, ThreadPoolExecutor(1), window_s=0.001)
        results = await asyncio.gather(
            batcher.submit(("bad", "explore"), 1), batcher.submit(("good", "explore"), 2), return_exceptions=True
        )
        return results, await batcher.submit(("good", "decode"), 3)

    results, later = asyncio.run(main())
    assert isinstance(results[0], RuntimeError) and results[1] == 2 and later == 3


def test_a_cancelled_request_is_left_out() -> None:
    calls: list[list[int]] = []

    def run(key: tuple, items: list[int]) -> list[int]:
        calls.append(items)
        return items

    async def main() -> int:
        batcher = Batcher(run, ThreadPoolExecutor(1), window_s=0.01)
        gone = asyncio.ensure_future(batcher.submit(("m", "explore"), 1))
        kept = asyncio.ensure_future(batcher.submit(("m", "explore"), 2))
        await asyncio.sleep(0)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        return await kept

    assert asyncio.run(main()) == 2 and calls == [[2]]


def test_the_window_counts_from_the_first_requests_arrival() -> None:
    """A lone request waits the window; one that waited behind another batch for longer starts at once."""
    starts: dict[str, float] = {}

    def run(key: tuple, items: list[int]) -> list[int]:
        starts[key[0]] = time.perf_counter()
        if key[0] == "first":
            time.sleep(0.6)
        return items

    async def main() -> float:
        batcher = Batcher(run, ThreadPoolExecutor(1), window_s=0.5)
        t0 = time.perf_counter()
        first = asyncio.ensure_future(batcher.submit(("first", "explore"), 1))
        await asyncio.sleep(0.05)
        second = asyncio.ensure_future(batcher.submit(("second", "decode"), 2))
        assert await asyncio.gather(first, second) == [1, 2]
        return t0

    t0 = asyncio.run(main())
    assert starts["first"] - t0 >= 0.49  # the window, for the requests of this moment to join
    # It arrived at 0.05 s and the first batch ran until ~1.1 s: it has waited long enough (another window
    # after the first batch would start it at ~1.6 s).
    assert starts["second"] - t0 < 1.1 + 0.3
