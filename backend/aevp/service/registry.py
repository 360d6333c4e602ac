"""Temporary: service/jobs.py still imports `ModelRegistry` from here; it is `store.ModelStore` now (the
jobs save through it). Goes once jobs.py imports `ModelStore` from aevp.service.store."""

from aevp.service.store import ModelStore as ModelRegistry

__all__ = ["ModelRegistry"]
