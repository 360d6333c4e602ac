"""A sweep's grid: every combination of its values over a base spec, each validated as a `ModelSpec`.

Keys are ModelSpec fields, plus two shorthands for the blocks: `filters` (every block's filters) and `kernel`
(every block's kernel). Combinations come in `itertools.product` order: the last field varies fastest.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

from pydantic import ValidationError

from aevp.ml.spec import ModelSpec

MAX_COMBINATIONS = 64
BLOCK_FIELDS = ("filters", "kernel")


class GridError(ValueError):
    """A grid that cannot run; `field` is the grid key it names (None: the grid as a whole)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


def fields() -> tuple[str, ...]:
    return (*ModelSpec.model_fields, *BLOCK_FIELDS)


def _label(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v)}" for k, v in params.items())


def apply(base: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The base spec (as JSON data) with the combination's values."""
    data = dict(base)
    for key, value in params.items():
        if key in BLOCK_FIELDS:
            data["blocks"] = [{**block, key: value} for block in data["blocks"]]
        else:
            data[key] = value
    return data


def expand(base: ModelSpec, grid: dict[str, list[Any]], limit: int = MAX_COMBINATIONS) -> list[tuple[dict, ModelSpec]]:
    """(params, spec) per combination; GridError names the first field or combination that cannot be a spec."""
    known = fields()
    if not grid:
        raise GridError(None, "the grid is empty: give at least one field and its values")
    for key, values in grid.items():
        if key not in known:
            raise GridError(key, f"{key!r} is not a spec field; sweepable: {', '.join(known)}")
        if not values:
            raise GridError(key, f"{key}: give at least one value")
        if len({json.dumps(v, sort_keys=True) for v in values}) < len(values):
            raise GridError(key, f"{key}: a value is given twice")
    if "blocks" in grid and any(k in grid for k in BLOCK_FIELDS):
        raise GridError("blocks", "sweep either blocks or filters/kernel, not both")
    count = math.prod(len(v) for v in grid.values())
    if count > limit:
        raise GridError(None, f"the grid makes {count} combinations; the limit is {limit}")
    data = base.model_dump(mode="json")
    out = []
    for number, combo in enumerate(itertools.product(*grid.values()), start=1):
        params = dict(zip(grid, combo, strict=True))
        try:
            spec = ModelSpec.model_validate_json(json.dumps(apply(data, params)))
        except ValidationError as e:
            error = e.errors()[0]
            loc = [str(p) for p in error["loc"]]
            key = next((k for k in params if k in loc[:1] or (k in BLOCK_FIELDS and loc[:1] == ["blocks"])), None)
            where = ".".join(loc) or "spec"
            message = str(error["msg"]).removeprefix("Value error, ")
            text = f"combination {number} ({_label(params)}): {where}: {message}"
            raise GridError(key or next(iter(params)), text) from None
        out.append((params, spec))
    return out
