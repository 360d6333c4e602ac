"""The interactive worker: a child process that answers batches of explore and decode requests.

Why a process: XLA's CPU thread pool is first come, first served within one process, so while jobs train
in the server every explore kernel queued behind their steps (tens of ms each; profile in
docs/performance.md). In its own process the explore call gets its share of the cores from the OS at
once. The child loads models itself (from the folder the parent names, keyed by a version so a replaced
model reloads), runs `batch_compute` and sends back `frames.Answer`s.

Wire: length-prefixed pickles over the child's stdin/stdout, each request and reply carrying a tag; the
child answers up to CONCURRENT_CALLS requests at once, replies come back in any order. A low-priority
thread of the child compiles the batch sizes that requests would have used (`Inference.wanted`), so a
request never waits for a compile: until a size is compiled, its batches run padded to the compiled ones.
A child that dies is restarted on the next call; the calls that saw it die fail.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
MAX_LOADED = 32
CONCURRENT_CALLS = 2
PIPE_BYTES = 1 << 20


class WorkerError(Exception):
    """The child could not answer: `kind` names the exception it raised (e.g. CheckpointError)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _write(fd: int, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(struct.pack("<Q", len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, n: int) -> bytes | None:
    parts, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _widen(stream: Any) -> None:
    """Let a pipe hold a whole batch's answers (~1.5 MB for 16 explores) in as few writes as the system
    allows (1 MiB by default, against 64 KiB): each refill of a 64 KiB pipe is a switch between the two
    processes, and a batch's answers took ~2x their compute time to cross."""
    if stream is not None and hasattr(fcntl, "F_SETPIPE_SZ"):
        with contextlib.suppress(OSError):
            fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _read(fd: int) -> Any:
    """The next object, or EOFError when the other side is gone."""
    head = _read_exactly(fd, 8)
    body = None if head is None else _read_exactly(fd, struct.unpack("<Q", head)[0])
    if body is None:
        raise EOFError
    return pickle.loads(body)  # noqa: S301 (our own child or parent, over a private pipe)


class _Running:
    """One started child: its process, the calls waiting for a reply (by tag), and whether it is gone."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.pending: dict[int, Future[tuple[str, Any]]] = {}
        self.lock = threading.Lock()  # guards `pending`, `gone` and writes to the child
        self.gone: BaseException | None = None

    def fail_all(self, why: BaseException) -> None:
        with self.lock:
            self.gone = self.gone or why
            waiting, self.pending = self.pending, {}
        for future in waiting.values():
            future.set_exception(why)


class WorkerProcess:
    """The parent's handle: `call` is thread-safe and blocking (run it on an executor); calls from several
    threads are in the child at once, each reply finds its call by a tag (one reader thread per child)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: _Running | None = None
        self._tags = itertools.count()

    def _start(self) -> _Running:
        running = self._running
        if running is not None and running.gone is None and running.proc.poll() is None:
            return running
        if running is not None:
            self._stop(running)
        # stderr is the server's: the child's log lines and tracebacks land in the server's log.
        proc = subprocess.Popen(
            [sys.executable, "-m", "aevp.service.inference_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        for stream in (proc.stdin, proc.stdout):
            _widen(stream)
        running = self._running = _Running(proc)
        threading.Thread(target=self._read_replies, args=(running,), name="aevp-worker-replies", daemon=True).start()
        return running

    @staticmethod
    def _read_replies(running: _Running) -> None:
        assert running.proc.stdout is not None
        fd = running.proc.stdout.fileno()
        try:
            while True:
                tag, status, value = _read(fd)
                with running.lock:
                    future = running.pending.pop(tag, None)
                if future is not None:
                    future.set_result((status, value))
        except (EOFError, OSError, ValueError) as e:  # the child is gone (or its stdout was closed by _stop)
            running.fail_all(e if isinstance(e, OSError | EOFError) else EOFError(str(e)))

    def call(self, op: str, key: tuple[str, str], path: Path, payload: Any = None) -> Any:
        """Run `op` ("explore", "decode", "warm" or "compile_all") on the model `key` = (id, version) stored at
        `path`."""
        future: Future[tuple[str, Any]] = Future()
        with self._lock:
            running = self._start()
        assert running.proc.stdin is not None
        tag = next(self._tags)
        try:
            with running.lock:
                if running.gone is not None:
                    raise running.gone
                running.pending[tag] = future
                _write(running.proc.stdin.fileno(), (tag, op, key, str(path), payload))
            status, value = future.result()
        except (EOFError, OSError) as e:
            with self._lock:
                self._stop(running)
            raise WorkerError("WorkerDied", f"the interactive worker stopped ({e!r}); try again") from e
        if status == "error":
            raise WorkerError(*value)
        return value

    def _stop(self, running: _Running) -> None:
        """End `running` (its calls fail); the next call starts a new child."""
        proc = running.proc
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        running.fail_all(EOFError("the interactive worker was stopped"))
        if self._running is running:
            self._running = None

    def close(self) -> None:
        """End the child (it exits when its stdin closes)."""
        running = self._running
        if running is not None and self._lock.acquire(timeout=10):
            try:
                self._stop(running)
            finally:
                self._lock.release()
        elif running is not None:
            running.proc.kill()


class _Child:
    def __init__(self) -> None:
        self.models: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self.models_lock = threading.Lock()  # two calls for a new model load it once
        self.write_lock = threading.Lock()
        # (Inference, kind, batch size) compiled on a low-priority thread: requests never wait behind it. An
        # Event in the queue is set when the thread reaches it.
        self.to_compile: queue.SimpleQueue[tuple[Any, str, int]] = queue.SimpleQueue()
        threading.Thread(target=self._compile_in_background, name="aevp-worker-compile", daemon=True).start()

    def _compile_in_background(self) -> None:
        with contextlib.suppress(OSError):  # Linux: a thread's own niceness
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        while True:
            inf, kind, n = self.to_compile.get()
            if isinstance(inf, threading.Event):
                inf.set()
                continue
            try:
                inf.compile(kind, n)
            except Exception:  # an optimisation: batches keep using the compiled sizes
                log.exception("interactive worker: compiling %s for batch size %d failed", kind, n)

    def model(self, key: tuple[str, str], path: str) -> Any:
        from aevp.ml.inference import Inference
        from aevp.service.store import load_checkpoint

        with self.models_lock:
            inf = self.models.get(key)
            if inf is None:
                for old in [k for k in self.models if k[0] == key[0]]:  # a replaced model: its old weights go
                    del self.models[old]
                ckpt = load_checkpoint(Path(path))
                inf = self.models[key] = Inference(ckpt.spec, ckpt.params)
                while len(self.models) > MAX_LOADED:
                    self.models.popitem(last=False)
            self.models.move_to_end(key)
            return inf

    def handle(self, op: str, key: tuple[str, str], path: str, payload: Any) -> Any:
        from aevp.service import batch_compute

        inf = self.model(key, path)
        if op in ("explore", "decode"):
            compute = batch_compute.explore if op == "explore" else batch_compute.decode
            answers = compute(inf, payload)
            for kind, n in inf.take_wanted():
                self.to_compile.put((inf, kind, n))
            return answers
        if op == "warm":
            inf.warm(tuple(payload or (1,)), service=False)
            return None
        if op == "compile_all":  # on the background thread; answered once it is done
            for kind, n in inf.all_batch_kinds():
                self.to_compile.put((inf, kind, n))
            done = threading.Event()
            self.to_compile.put((done, "", 0))
            done.wait()
            return None
        raise ValueError(f"unknown operation {op!r}")

    def answer(self, fd_out: int, tag: int, op: str, key: tuple[str, str], path: str, payload: Any) -> None:
        try:
            reply = (tag, "ok", self.handle(op, key, path, payload))
        except Exception as e:  # the parent hears about it; the child goes on
            if type(e).__name__ != "CheckpointError":
                log.exception("interactive worker: %s failed", op)
            reply = (tag, "error", (type(e).__name__, str(e)))
        with self.write_lock:
            _write(fd_out, reply)

    def serve(self, fd_in: int, fd_out: int) -> None:
        # As many requests at once as the parent sends (the batcher's concurrency): one computes while the
        # other's answers are pickled and travel.
        # One more thread for a `compile_all` that waits for the background compiles.
        with ThreadPoolExecutor(max_workers=CONCURRENT_CALLS + 1, thread_name_prefix="aevp-worker") as pool:
            while True:
                try:
                    tag, op, key, path, payload = _read(fd_in)
                except EOFError:
                    return
                pool.submit(self.answer, fd_out, tag, op, key, path, payload)


def main() -> None:
    fd_in, fd_out = sys.stdin.fileno(), os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not corrupt the pipe
    logging.basicConfig(level=logging.WARNING, format="aevp-worker %(levelname)s %(message)s")
    try:
        _Child().serve(fd_in, fd_out)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
