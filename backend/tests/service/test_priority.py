"""aevp.service.jobs.priority: local training's XLA pool threads run below the interactive worker."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import os, jax.numpy as jnp
from pathlib import Path
(jnp.ones((256, 256)) @ jnp.ones((256, 256))).block_until_ready()  # XLA's CPU pool is running
from aevp.service.jobs.priority import XLA_POOL_THREAD, lower_xla_pool
pool = [int(t) for t in os.listdir("/proc/self/task")
        if Path(f"/proc/self/task/{t}/comm").read_text().startswith(XLA_POOL_THREAD)]
changed = lower_xla_pool(10)
print(len(pool), changed, sorted({os.getpriority(os.PRIO_PROCESS, t) for t in pool}),
      os.getpriority(os.PRIO_PROCESS, 0), lower_xla_pool(10))
"""


def test_the_xla_pool_threads_are_reniced_and_nothing_else() -> None:
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, timeout=120)
    pool, changed, priorities, main_thread, second_call = out.stdout.split()
    assert int(pool) >= 1 and int(changed) == int(pool), out.stdout
    assert priorities == "[10]" and main_thread == "0", out.stdout  # the main thread keeps its priority
    assert second_call == "0", out.stdout  # already lowered: nothing to change
