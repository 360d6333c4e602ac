"""Property-based fuzzing of the REST API from its own OpenAPI schema (schemathesis): no 5xx, ever.

AEVP_FUZZ_EXAMPLES cases in all (default 300), spread over the operations; `make fuzz` runs 2,000.
The server is a separate one with a stand-in trainer (fuzzed specs would otherwise compile and train
arbitrary models for minutes), so jobs are accepted, queued and cancelled but never compute.

Every schemathesis check runs except "schema-valid data is accepted": the schema cannot say that a
latent needs as many values as the model has dimensions, or that an upload must be a model file. For uploads,
a second test runs every check with valid model files, and a property-based test mutates each metadata field of
a real downloaded model file (about a sixth of AEVP_FUZZ_EXAMPLES): a 201 or a 4xx, never a 500, and the listing
stays 200.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance

from aevp.ml.spec import ModelSpec
from aevp.ml.train import BatchLosses, Finished
from aevp.service.app import create_app
from aevp.service.openapi import openapi_schema
from aevp.settings import PRETRAINED_DIR
from tests.service.bundles import metadata, upload, with_metadata
from tests.service.conftest import PRETRAINED_ID, make_settings, save_untrained
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData

TOTAL_EXAMPLES = int(os.environ.get("AEVP_FUZZ_EXAMPLES", "300"))


def idle_trainer(spec: ModelSpec, train_images, test_images, *, should_stop, **_: object) -> Iterator[object]:
    """Reports one loss, then waits to be cancelled (or gives up after a few seconds)."""
    yield BatchLosses(1, 0, [0.5])
    deadline = time.monotonic() + 5
    while not should_stop() and time.monotonic() < deadline:
        time.sleep(0.01)
    yield Finished("cancelled")


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    (tmp / "pretrained").mkdir()
    save_untrained(tmp / "pretrained", ModelSpec(), PRETRAINED_ID)
    app = create_app(
        make_settings(tmp, max_queued_jobs=2), data=SyntheticData(n_train=64, n_test=32), trainer=idle_trainer
    )
    live = LiveServer(app).start()
    yield live
    for job in live.services.jobs.list():
        live.services.jobs.cancel(job.id)
    live.stop()


@pytest.fixture(scope="module")
def api_schema(fuzz_server: LiveServer) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(fuzz_server.url + "/openapi.json")
    schema.config.update(base_url=fuzz_server.url)
    return schema


# One test per operation. (schemathesis' own pytest plugin, `from_fixture`, does not run under pytest 9.)
OPERATIONS = {
    op["operationId"]: bool(op.get("parameters") or op.get("requestBody"))
    for ops in openapi_schema()["paths"].values()
    for op in ops.values()
}
# An operation without inputs has one case; the others share the rest of the budget.
PER_OPERATION = max(
    1, math.ceil((TOTAL_EXAMPLES - (len(OPERATIONS) - sum(OPERATIONS.values()))) / sum(OPERATIONS.values()))
)
OPERATION_IDS = list(OPERATIONS)


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_api_never_fails(api_schema: schemathesis.BaseSchema, operation_id: str) -> None:
    operation = api_schema.find_operation_by_id(operation_id)

    @given(case=operation.as_strategy())
    @settings(
        max_examples=PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(timeout=60, excluded_checks=[positive_data_acceptance])

    run()


# --- model files: every metadata field of a real downloaded bundle mutated, and schemathesis with valid bundles ---

BUNDLE_EXAMPLES = max(20, TOTAL_EXAMPLES // 6)  # 50 by default, 333 under `make fuzz`
SHIPPED = "ae-32-64-l16-mnist"
# JSON tokens json.dumps cannot write: out of range, huge, deep, a lone surrogate.
RAW_TOKENS = ["1e999", "-1e999", "9" * 400, "1" + "0" * 5000, "NaN", "-Infinity", "[" * 60 + "]" * 60,
              '"\\ud800"', "1e-400", "-0"]
ODD_KEYS = ["", "\ud800", "a b", "x" * 300, "__proto__", "losses", "epoch"]
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from([2**64, -(2**63), 10**20, 2**53 + 1]),
    st.floats(), st.text(max_size=8), st.lists(st.floats(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2), st.just([[[[[1]]]]]),
)


@pytest.fixture(scope="module")
def bundle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The shipped pretrained models, so the bundle mutated is a real one (real history, real metrics)."""
    settings = make_settings(tmp_path_factory.mktemp("bundles"), pretrained_dir=PRETRAINED_DIR, warm_models=False)
    live = LiveServer(create_app(settings, data=SyntheticData(n_train=64, n_test=32))).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def shipped_bundle(bundle_server: LiveServer) -> bytes:
    response = httpx.get(f"{bundle_server.url}/api/models/{SHIPPED}/download", timeout=60)
    assert response.status_code == 200
    return response.content


def _fields(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    """Every location in a parsed part; a long list's items are one location ("*": its index is drawn)."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _fields(item, (*path, key))
    elif isinstance(value, list) and value:
        if len(value) > 20:
            yield (*path, "*")
        else:
            for i, item in enumerate(value):
                yield from _fields(item, (*path, i))


@st.composite
def mutated_metadata(draw: st.DrawFn, found: dict[str, str]) -> dict[str, str]:
    """The bundle's metadata with one location changed: replaced by an odd value or a raw token, deleted, given
    an unknown key, or the whole part's text replaced."""
    parts = {name: json.loads(found[name]) for name in ("spec", "metrics", "history")}
    path = list(draw(st.sampled_from([f for name, v in parts.items() for f in _fields(v, (name,))])))
    part = path[0]
    how = draw(st.sampled_from(["replace", "raw", "delete", "add", "text"]))
    if how == "text":
        return {**found, part: draw(st.text(max_size=40) | st.sampled_from(RAW_TOKENS))}
    holder: Any = parts
    for key in path[:-1]:
        holder = holder[key]
    last = path[-1]
    if last == "*":
        last = draw(st.integers(0, len(holder) - 1))
    if len(path) == 1:  # the part itself
        holder, last = parts, part
    raw = None
    if how == "replace":
        holder[last] = draw(VALUES)
    elif how == "raw":
        raw = draw(st.sampled_from(RAW_TOKENS))
        holder[last] = "__RAW__"
    elif how == "delete" and len(path) > 1:
        del holder[last]
    elif how == "add" and isinstance(holder[last], dict):
        holder[last][draw(st.sampled_from(ODD_KEYS) | st.text(max_size=6))] = draw(VALUES)
    text = json.dumps(parts[part], allow_nan=True) if part in parts else None
    if raw is not None and text is not None:
        text = text.replace('"__RAW__"', raw, 1)
    return {**found, part: text} if text is not None else {k: v for k, v in found.items() if k != part}


def test_mutated_bundles_are_accepted_or_refused_never_a_500(bundle_server: LiveServer, shipped_bundle: bytes) -> None:
    found = metadata(shipped_bundle)

    @given(changed=mutated_metadata(found))
    @settings(max_examples=BUNDLE_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(changed: dict[str, str]) -> None:
        with httpx.Client(base_url=bundle_server.url, timeout=60) as http:
            response = upload(http, with_metadata(shipped_bundle, changed, drop=tuple(set(found) - set(changed))))
            assert response.status_code == 201 or 400 <= response.status_code < 500, response.text[:500]
            listing = http.get("/api/models")
            assert listing.status_code == 200 and all(m["available"] for m in listing.json()), listing.text[:500]
            if response.status_code == 201:  # what is accepted is usable, and goes again to keep the folder small
                model_id = response.json()["id"]
                assert http.get(f"/api/models/{model_id}").status_code == 200
                assert http.get(f"/api/models/{model_id}/download").status_code == 200
                assert http.delete(f"/api/models/{model_id}").status_code == 204
            else:
                assert response.json()["detail"], response.text

    run()


@st.composite
def valid_bundles(draw: st.DrawFn, bundle: bytes) -> bytes:
    """The real bundle with its metrics and some losses redrawn within the format's bounds."""
    found = metadata(bundle)
    finite = st.floats(-1e15, 1e15, allow_nan=False) | st.integers(-(10**15), 10**15) | st.none()
    metrics = draw(st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True), finite, max_size=8))
    history = json.loads(found["history"])
    history["losses"] = draw(st.lists(finite, max_size=50))
    return with_metadata(bundle, {"metrics": json.dumps(metrics), "history": json.dumps(history)})


def test_schemathesis_uploads_valid_bundles(bundle_server: LiveServer, shipped_bundle: bytes) -> None:
    """Every check, "schema-valid data is accepted" included: a valid model file must be a 201 matching the schema."""
    schema = schemathesis.openapi.from_url(bundle_server.url + "/openapi.json")
    schema.config.update(base_url=bundle_server.url)
    operation = schema.find_operation_by_id("uploadModel")
    cases = valid_bundles(shipped_bundle).flatmap(lambda data: operation.as_strategy(body={"file": data}))

    @given(case=cases)
    @settings(max_examples=max(5, BUNDLE_EXAMPLES // 5), deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(timeout=60)
        assert response.status_code == 201
        httpx.delete(f"{bundle_server.url}/api/models/{response.json()['id']}", timeout=60)

    run()
