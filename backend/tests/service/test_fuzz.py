"""Property-based fuzzing of the REST API from its own OpenAPI schema (schemathesis): no 5xx, ever.

AEVP_FUZZ_EXAMPLES cases in all (default 300), spread over the operations; `make fuzz` runs 2,000.
The server is a separate one with a stand-in trainer (fuzzed specs would otherwise compile and train
arbitrary models for minutes), so jobs are accepted, queued and cancelled but never compute.

Every schemathesis check runs except "schema-valid data is accepted": the schema cannot say that a
latent needs as many values as the model has dimensions, or that an upload must be a model file.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from aevp.ml.spec import ModelSpec
from aevp.ml.train import BatchLosses, Finished
from aevp.service.app import create_app
from aevp.service.openapi import openapi_schema
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
