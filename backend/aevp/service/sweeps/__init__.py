"""Sweeps: a grid of values over a base spec, one job per combination, and the results side by side.

`grid.py` expands and validates a grid (pure: the CLI uses it too); `store.py` keeps sweeps in the job store's
SQLite file; `manager.py` submits a sweep's jobs, cancels them and reports their states and final metrics;
`shipped.py` reads the ready-made sweeps that come with the pretrained models.
"""

from aevp.service.sweeps.grid import GridError, expand
from aevp.service.sweeps.manager import SweepManager, SweepNotFound, SweepReadOnly

__all__ = ["GridError", "SweepManager", "SweepNotFound", "SweepReadOnly", "expand"]
