"""A model's metadata (spec, metrics, history) validated with bounds: the one model for uploads and disk reads.

Metadata comes from files anyone can hand over (an uploaded bundle, a folder copied by hand), so nothing is
trusted: numbers must be finite and bounded (a loss may be null where training diverged), lists and names are
capped, the nesting can be no deeper than the format's own, and unknown keys in the history and its epoch rows
are dropped. Every error names its field ("metrics.psnr: must be a number, not a string").
"""

from __future__ import annotations

import json
import math
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

from aevp.ml.spec import ModelSpec

# Far above any real value (losses, PSNR, seconds, image counts) and far below 2^64.
MAX_ABS = 1e15
# A job of 100 epochs at batch 8 on 60,000 images takes 750,000 steps: one loss each.
MAX_STEPS = 1_000_000
MAX_EPOCHS = 1_000
MAX_METRICS = 64
METRIC_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# The format's own nesting: {"epochs": [{"psnr": 1.0}]} is 3 deep; a little slack for whitespace-free JSON.
MAX_DEPTH = 4
# Texts longer than these are refused before they are parsed.
MAX_SPEC_CHARS = 64 * 1024
MAX_METRICS_CHARS = 64 * 1024
MAX_HISTORY_CHARS = 64 * 1024 * 1024
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class MetadataError(ValueError):
    """Metadata that is not valid: `field` is the dotted path of the first offending value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def under(self, part: str) -> MetadataError:
        return MetadataError(f"{part}.{self.field}" if self.field != "metadata" else part, self.message)


def _kind(value: Any) -> str:
    return {bool: "a boolean", str: "a string", list: "a list", dict: "an object", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _number_problem(value: Any, nullable: bool) -> str | None:
    """Why `value` is not a bounded finite number (or null when `nullable`); None when it is one."""
    if value is None:
        return None if nullable else "must be a number, not null"
    if type(value) is bool or not isinstance(value, int | float):
        return f"must be a number, not {_kind(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, not {value}"
    if abs(value) > MAX_ABS:
        return f"must be within ±{MAX_ABS:.0e}"
    return None


def _number(nullable: bool) -> Any:
    def check(value: Any) -> Any:
        problem = _number_problem(value, nullable)
        if problem:
            raise PydanticCustomError("number", problem)
        return value

    return PlainValidator(check, json_schema_input_type=float)


def _numbers(value: Any) -> list[float | int | None]:
    """A list of losses: one pass over it, as a history can hold a million (a per-item validator is slower)."""
    if not isinstance(value, list):
        raise PydanticCustomError("list_type", "must be a list, not {kind}", {"kind": _kind(value)})
    if len(value) > MAX_STEPS:
        raise PydanticCustomError("too_long", "has {n} items; at most {max}", {"n": len(value), "max": MAX_STEPS})
    for i, item in enumerate(value):
        if type(item) is not float or not -MAX_ABS <= item <= MAX_ABS:  # the common case costs one test
            problem = _number_problem(item, nullable=True)
            if problem:
                raise PydanticCustomError("number", "{problem}", {"problem": problem, "index": i})
    return value


def _metric_name(value: Any) -> str:
    if not isinstance(value, str) or not METRIC_NAME.fullmatch(value):
        raise PydanticCustomError("name", "is not a metric name (a letter or _, then letters, digits or _; up to 64)")
    return value


MetricName = Annotated[str, PlainValidator(_metric_name)]
Loss = Annotated[float | int | None, _number(nullable=True)]
Losses = Annotated[list[float | int | None], PlainValidator(_numbers)]
Metrics = Annotated[dict[MetricName, Loss], Field(max_length=MAX_METRICS)]


class EpochRow(BaseModel):
    """One epoch's metrics (a VAE's terms only for a VAE); unknown keys are dropped."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    epoch: Annotated[int, Field(strict=True, ge=1, le=MAX_EPOCHS)]
    train_loss: Loss = None
    test_loss: Loss = None
    psnr: Loss = None
    ssim: Loss = None
    train_recon: Loss = None
    train_kl: Loss = None
    test_recon: Loss = None
    test_kl: Loss = None
    test_elbo: Loss = None


class History(BaseModel):
    """Every batch's loss (a VAE's recon and kl terms beside them) and each epoch's row; unknown keys are dropped."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    losses: Losses = []
    epochs: Annotated[list[EpochRow], Field(max_length=MAX_EPOCHS)] = []
    recon: Losses | None = None
    kl: Losses | None = None


class BundleMeta(BaseModel):
    """A model's metadata: what a folder's spec.json, metrics.json and history.json and a bundle's header hold."""

    model_config = ConfigDict(frozen=True)

    spec: ModelSpec
    metrics: Metrics = {}
    history: History = History()


LIMITS = {"spec": MAX_SPEC_CHARS, "metrics": MAX_METRICS_CHARS, "history": MAX_HISTORY_CHARS}


def _error(exc: ValidationError) -> MetadataError:
    """The first error, its path dotted ("history.losses.17"; a list's item index comes in ctx)."""
    err = exc.errors(include_url=False, include_input=False)[0]
    loc = [str(x)[:80] for x in err["loc"] if x != "[key]"]  # a key is user text: shortened
    if "index" in (err.get("ctx") or {}):
        loc.append(str(err["ctx"]["index"]))
    return MetadataError(".".join(loc) or "metadata", err["msg"])


def _check_depth(part: str, text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before parsing (brackets inside strings do not count)."""
    depth = 0
    for m in _TOKENS.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise MetadataError(part, f"nested deeper than {MAX_DEPTH} levels")
        elif token in "]}":
            depth -= 1


def parse_json(part: str, text: str | bytes) -> Any:
    """A metadata part's JSON text, size- and depth-checked; NaN, Infinity and 1e999 parse here and fail validation."""
    if len(text) > LIMITS[part]:
        raise MetadataError(part, f"is {len(text)} characters; at most {LIMITS[part]}")
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    _check_depth(part, text)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # 4,300+ digit integers raise ValueError too
        raise MetadataError(part, f"is not valid JSON: {str(exc)[:200]}") from None


def parse_spec(text: str | bytes) -> ModelSpec:
    if len(text) > MAX_SPEC_CHARS:
        raise MetadataError("spec", f"is {len(text)} characters; at most {MAX_SPEC_CHARS}")
    try:
        return ModelSpec.model_validate_json(text)
    except ValidationError as exc:
        raise _error(exc).under("spec") from None


def validate(spec: ModelSpec | dict[str, Any], metrics: Any, history: Any) -> BundleMeta:
    """The three parts (parsed JSON, or already a ModelSpec) as one BundleMeta, or a MetadataError naming the field."""
    try:
        return BundleMeta.model_validate({"spec": spec, "metrics": metrics, "history": history})
    except ValidationError as exc:
        raise _error(exc) from None


def read(spec: str | bytes, metrics: str | bytes, history: str | bytes) -> BundleMeta:
    """The three parts' JSON texts (a folder's files, a bundle's header fields) parsed and validated."""
    return validate(parse_spec(spec), parse_json("metrics", metrics), parse_json("history", history))


def dump_history(history: History) -> dict[str, Any]:
    """The history as saved: only the keys it has (no null VAE terms for a plain model)."""
    return history.model_dump(exclude_unset=True)


def sanitize(value: Any) -> Any:
    """In-memory results (a training run's) as the format wants them: NumPy scalars as Python numbers, and a
    non-finite or out-of-range value as null (the loss diverged there). Uploads are never sanitised: refused."""
    if isinstance(value, dict):
        return {k: sanitize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [sanitize(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, int | float):
        value = value.item()  # a NumPy scalar
    if isinstance(value, float) and (not math.isfinite(value) or abs(value) > MAX_ABS):
        return None
    return value
