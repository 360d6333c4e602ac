"""The interactive worker: a child process that answers batches of explore and decode requests.

Why a process: XLA's CPU thread pool is first come, first served within one process, so while jobs train
in the server every explore kernel queued behind their steps (tens of ms each; profile in
docs/performance.md). In its own process the explore call gets its share of the cores from the OS at
once. The child loads models itself (from the folder the parent names, keyed by a version so a replaced
model reloads), runs `batch_compute` and sends back `frames.Answer`s.

Wire: length-prefixed pickles over the child's stdin/stdout, one request then its reply; the parent
sends one at a time from `WorkerProcess.call`. A low-priority thread of the child compiles the bigger
batch sizes of each model it loads once no request came for a second, so the first busy moment does not
compile and requests do not share the interpreter with a compile. A child that dies is restarted on the
next call; the call that saw it die fails.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
MAX_LOADED = 32
QUIET_S = 1.0  # the background compiles wait for this long without a request


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


def _read(fd: int) -> Any:
    """The next object, or EOFError when the other side is gone."""
    head = _read_exactly(fd, 8)
    body = None if head is None else _read_exactly(fd, struct.unpack("<Q", head)[0])
    if body is None:
        raise EOFError
    return pickle.loads(body)  # noqa: S301 (our own child or parent, over a private pipe)


class WorkerProcess:
    """The parent's handle: `call` is thread-safe and blocking (run it on an executor)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        # stderr is the server's: the child's log lines and tracebacks land in the server's log.
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "aevp.service.inference_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        return self._proc

    def call(self, op: str, key: tuple[str, str], path: Path, payload: Any = None) -> Any:
        """Run `op` ("explore", "decode" or "warm") on the model `key` = (id, version) stored at `path`."""
        with self._lock:
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                _write(proc.stdin.fileno(), (op, key, str(path), payload))
                status, value = _read(proc.stdout.fileno())
            except (EOFError, OSError) as e:
                self._stop(proc)
                raise WorkerError("WorkerDied", f"the interactive worker stopped ({e!r}); try again") from e
        if status == "error":
            raise WorkerError(*value)
        return value

    def _stop(self, proc: subprocess.Popen[bytes]) -> None:
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if self._proc is proc:
            self._proc = None

    def close(self) -> None:
        """End the child (it exits when its stdin closes)."""
        proc = self._proc
        if proc is not None and self._lock.acquire(timeout=10):
            try:
                self._stop(proc)
            finally:
                self._lock.release()
        elif proc is not None:
            proc.kill()


class _Child:
    def __init__(self) -> None:
        self.models: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self.last_request = 0.0
        # (Inference, batch size) compiled on a low-priority thread: requests never wait behind it.
        self.to_warm: queue.SimpleQueue[tuple[Any, int]] = queue.SimpleQueue()
        threading.Thread(target=self._warm_in_background, name="aevp-worker-warm", daemon=True).start()

    def _warm_in_background(self) -> None:
        with contextlib.suppress(OSError):  # Linux: a thread's own niceness
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        while True:
            inf, n = self.to_warm.get()
            while time.monotonic() - self.last_request < QUIET_S:  # compiling holds the GIL at times
                time.sleep(QUIET_S)
            try:
                inf.warm((n,), service=False)
            except Exception:  # an optimisation: the first batch of that size compiles instead
                log.exception("interactive worker: warming batch size %d failed", n)

    def model(self, key: tuple[str, str], path: str) -> Any:
        from aevp.ml.inference import BATCH_SIZES, Inference
        from aevp.service.store import load_checkpoint

        inf = self.models.get(key)
        if inf is None:
            for old in [k for k in self.models if k[0] == key[0]]:  # a replaced model: its old weights go
                del self.models[old]
            ckpt = load_checkpoint(Path(path))
            inf = self.models[key] = Inference(ckpt.spec, ckpt.params)
            for n in BATCH_SIZES[1:]:
                self.to_warm.put((inf, n))
            while len(self.models) > MAX_LOADED:
                self.models.popitem(last=False)
        self.models.move_to_end(key)
        return inf

    def handle(self, op: str, key: tuple[str, str], path: str, payload: Any) -> Any:
        from aevp.service import batch_compute

        inf = self.model(key, path)
        if op == "explore":
            return batch_compute.explore(inf, payload)
        if op == "decode":
            return batch_compute.decode(inf, payload)
        if op == "warm":
            inf.warm(tuple(payload or (1,)), service=False)
            return None
        raise ValueError(f"unknown operation {op!r}")

    def serve(self, fd_in: int, fd_out: int) -> None:
        while True:
            try:
                op, key, path, payload = _read(fd_in)
            except EOFError:
                return
            if op != "warm":
                self.last_request = time.monotonic()
            try:
                reply = ("ok", self.handle(op, key, path, payload))
            except Exception as e:  # the parent hears about it; the child goes on
                if type(e).__name__ != "CheckpointError":
                    log.exception("interactive worker: %s failed", op)
                reply = ("error", (type(e).__name__, str(e)))
            _write(fd_out, reply)


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
