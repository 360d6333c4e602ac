"""`RayExecutor`: each job trains in a Ray actor on the cluster at AEVP_RAY_ADDRESS; the service streams it.

Imported only when AEVP_RAY_ADDRESS is set. The service connects as a Ray driver on the first job: with
`host:port` (the head's GCS port) it needs a Ray node on its own machine, one with no CPUs will do; with
`ray://host:port` (the head's client server, `ray start --head --ray-client-server-port 10001`) it needs none,
and talks to the cluster through Ray's client (grpcio, in the lock).
Per job:
* data: the service loads the dataset as for a local job (its verified cache, or a test's data source) and puts
  the arrays in the object store once per dataset (MNIST's 55 MB once, shared by every job); workers need no
  cache and no download, and every node trains on exactly the arrays the service would.
* training: an actor (1 CPU, and 1 GPU when the cluster has any at connect time: `gpus_per_job`) runs
  `train()` in a thread; the service polls it every POLL_S (100 ms) for the events since the last poll and
  publishes them as a local job's, so they reach clients within ~250 ms.
  Events travel pickled, whatever their class.
* checkpoints and models: epoch checkpoints and the final weights come back as events (bytes through Ray);
  the service writes them atomically under AEVP_STATE_DIR and AEVP_MODELS_DIR as for a local job. No shared
  folder is needed.
* cancel, time budget, server stop: the service calls the actor's `stop`; the loop ends after its batch.
* a worker (or its node) that dies: the next poll fails, the job fails with a message that says so, and the
  thread that ran it is free for the next job (nothing retried: a job that kills its worker would again).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from aevp.data import Dataset
from aevp.ml import events as ev
from aevp.ml.events import TrainState
from aevp.ml.spec import ModelSpec
from aevp.service.jobs.executor import Emit, WorkerLost, train_args
from aevp.service.jobs.ray_worker import TrainRunner
from aevp.service.schemas import ExecutorName

log = logging.getLogger(__name__)

POLL_S = 0.1
# Ray's client server starts a process per connecting driver; when that one fails to start (seen once on a busy
# 2-core machine) the handshake is refused with ConnectionAbortedError, and a second try gets a fresh process.
CLIENT_CONNECT_TRIES = 3
NAMESPACE = "aevp"


def gpus_per_job(resources: dict[str, float]) -> int:
    """1 where the cluster has GPUs (a job then runs only on a GPU node, and waits for a free GPU), else 0."""
    return 1 if resources.get("GPU", 0) >= 1 else 0


class RayExecutor:
    name: ExecutorName = "ray"

    def __init__(self, address: str) -> None:
        self.address = address
        self._lock = threading.Lock()
        self._runner: Any = None  # TrainRunner as a Ray actor class, made on connect
        self._connected_here = False
        self._data: dict[str, tuple[Dataset, Any, Any]] = {}  # dataset name -> (arrays' owner, train ref, test ref)

    def _connect(self) -> Any:
        import ray

        with self._lock:
            if not ray.is_initialized():
                self._init(ray)
                self._connected_here = True
                log.info("connected to the Ray cluster at %s: %s", self.address, ray.cluster_resources())
            if self._runner is None:
                # max_restarts=0: a dead worker fails its job (with a message) rather than training again unseen.
                gpus = gpus_per_job(ray.cluster_resources())
                self._runner = ray.remote(num_cpus=1, num_gpus=gpus, max_concurrency=2, max_restarts=0)(TrainRunner)
        return ray

    def _init(self, ray: Any) -> None:
        """`ray.init`, tried again on a refused `ray://` handshake (the client server's per-driver process failed)."""
        for attempt in range(1, CLIENT_CONNECT_TRIES + 1):
            try:
                ray.init(
                    address=self.address,
                    namespace=NAMESPACE,
                    log_to_driver=False,
                    logging_level=logging.WARNING,
                    configure_logging=False,
                )
                return
            except ConnectionError as error:
                if not self.address.startswith("ray://") or attempt == CLIENT_CONNECT_TRIES:
                    raise
                log.warning("connecting to Ray at %s failed (%s); trying again", self.address, error)
                with contextlib.suppress(Exception):
                    ray.shutdown()
                time.sleep(attempt)

    def _arrays(self, ray: Any, data: Dataset) -> tuple[Any, Any]:
        """The dataset's arrays in the object store: put once, again only when the data source gives new arrays."""
        with self._lock:
            held = self._data.get(data.name)
            same = held is not None and held[0].train_images is data.train_images
            if held is not None and same and held[0].test_images is data.test_images:
                return held[1], held[2]
            refs = ray.put(data.train_images), ray.put(data.test_images)
            self._data[data.name] = (data, *refs)
            return refs

    def run(
        self,
        spec: ModelSpec,
        data: Dataset,
        state: TrainState | None,
        options: dict[str, Any],
        should_stop: Callable[[], bool],
        emit: Emit,
    ) -> None:
        ray = self._connect()

        train_ref, test_ref = self._arrays(ray, data)
        actor = self._runner.remote()
        pid_ref = actor.pid.remote()
        try:
            done_ref = actor.run.remote(spec, train_ref, test_ref, train_args(state, options))
            poll_ref = actor.poll.remote()
            stop_sent, started = False, False
            while True:
                if not stop_sent and should_stop():
                    stop_sent = True
                    if not started and not ray.wait([pid_ref], timeout=0)[0]:  # never placed: nothing to wait for
                        emit(ev.Finished(state="cancelled"))
                        return
                    actor.stop.remote()
                ready, _ = ray.wait([poll_ref], timeout=POLL_S)
                if not ready:
                    continue
                ended = bool(ray.wait([done_ref], timeout=0)[0])  # before reading: the last poll then has it all
                events = self._get(ray, poll_ref, pid_ref)
                started = started or bool(events)
                for event in events:
                    if emit(event):
                        return
                if ended:
                    if any(emit(event) for event in self._get(ray, actor.poll.remote(), pid_ref)):
                        return
                    self._get(ray, done_ref, pid_ref)
                    return  # the manager fails a job that ends without a result
                poll_ref = actor.poll.remote()
                time.sleep(POLL_S)
        finally:
            with contextlib.suppress(Exception):
                ray.kill(actor, no_restart=True)

    def _get(self, ray: Any, ref: Any, pid_ref: Any) -> Any:
        """A result from the actor; a dead actor is a WorkerLost, an error raised in it that error's text."""
        from ray.exceptions import RayActorError, RayError, RayTaskError

        try:
            return ray.get(ref)
        except RayTaskError as e:
            cause = e.cause if isinstance(e.cause, BaseException) else e
            raise RuntimeError(f"{type(cause).__name__}: {cause}") from None
        except (RayActorError, RayError) as e:
            raise WorkerLost(self._lost_message(ray, pid_ref, e)) from None

    @staticmethod
    def _lost_message(ray: Any, pid_ref: Any, error: BaseException) -> str:
        pid = None
        with contextlib.suppress(Exception):
            pid = ray.get(pid_ref, timeout=0)
        where = f" (worker pid {pid})" if pid is not None else ""
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"the Ray worker training this job died{where}: {reason}"

    def close(self) -> None:
        if self._connected_here:
            import ray

            with contextlib.suppress(Exception):
                ray.shutdown()
            self._connected_here = False
