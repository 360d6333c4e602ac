"""Local training below the interactive worker: the server process's XLA CPU pool threads run at a lower
priority (nice), so that a class's explore and decode requests, computed in the worker process, are not slowed
by a training job that shares the cores; training still gets every cycle nobody else wants.

The pool is the process's, so it stays lowered after the job: the server's other XLA work (latent maps and
statistics; explore too when AEVP_INTERACTIVE_PROCESS is off) is then below other processes as well, which
only matters when the cores are busy. Renicing the thread that drives training is not enough: its steps run
on XLA's pool threads (measured: no change; docs/performance.md). Linux only (thread ids from /proc);
elsewhere nothing changes.
"""

from __future__ import annotations

import os
from pathlib import Path

XLA_POOL_THREAD = "tf_XLAEigen"  # the name XLA gives its CPU thread pool's threads
TRAINING_NICE = 10


def lower_xla_pool(nice: int = TRAINING_NICE, task_dir: Path = Path("/proc/self/task")) -> int:
    """Set this process's XLA pool threads to `nice` (never raising a priority); how many were changed."""
    try:
        tids = [int(t) for t in os.listdir(task_dir)]
    except (OSError, ValueError):
        return 0
    changed = 0
    for tid in tids:
        try:
            if not (task_dir / str(tid) / "comm").read_text().startswith(XLA_POOL_THREAD):
                continue
            if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
                changed += 1
        except OSError:  # the thread ended, or no permission: training simply keeps its priority
            continue
    return changed
