"""Every example in the OpenAPI document runs against the server and gets the status it promises.

An example whose summary starts with "Error NNN" must get status NNN; every other example a 2xx.
Ids that only exist at run time (a user model, a job) are substituted for the documented ones.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx

from aevp.service.routes.params import USER_MODEL_EXAMPLE, JobId
from aevp.service.routes.sweeps import SweepId
from tests.service.conftest import TINY, wait_for_job
from tests.service.server import LiveServer

EXAMPLE_JOB_ID = JobId.__metadata__[0].openapi_examples["job"]["value"]
EXAMPLE_SWEEP_ID = SweepId.__metadata__[0].openapi_examples["sweep"]["value"]


def examples_of(item: dict[str, Any]) -> list[tuple[str, Any]]:
    """(summary, value) pairs of a parameter or a media type; its schema's `examples` otherwise."""
    named = item.get("examples") or {}
    if named:
        return [(e.get("summary", name), e["value"]) for name, e in named.items()]
    return [("", value) for value in item.get("schema", {}).get("examples", [])]


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def expected(summary: str) -> int | None:
    match = re.match(r"Error (\d{3})", summary)
    return int(match.group(1)) if match else None


def cases(document: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            params = [(p, examples_of(p)) for p in op.get("parameters", [])]
            path_choices = [
                [(p["name"], s, v) for s, v in ex] or [(p["name"], "", None)] for p, ex in params if p["in"] == "path"
            ]
            query = {p["name"]: ex[0][1] for p, ex in params if p["in"] == "query" and ex}
            bodies: list[tuple[str, Any]] = [("", None)]
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                media = content["application/json"]
                bodies = examples_of(media) or [("", v) for v in resolve(media["schema"], document).get("examples", [])]
                assert bodies, f"{op['operationId']}: no request example"
            for combo in itertools.product(*path_choices):
                url = path
                summaries = []
                for name, summary, value in combo:
                    assert value is not None, f"{op['operationId']}: no example for {name}"
                    url = url.replace("{" + name + "}", str(value))
                    summaries.append(summary)
                for summary, body in bodies:
                    out.append(
                        {
                            "op": op["operationId"],
                            "method": method,
                            "url": url,
                            "query": query,
                            "body": body,
                            "summaries": [*summaries, summary],
                        }
                    )
    return out


def test_every_documented_example_works(server: LiveServer, client: httpx.Client, user_model: str) -> None:
    document = client.get("/openapi.json").json()
    # Keep the worker busy so that example jobs queue (and are cancelled) instead of compiling models.
    long_job = TINY.model_copy(update={"epochs": 100})
    blocker = client.post("/api/jobs", json={"spec": long_job.model_dump()}).json()
    job_ids = [blocker["id"]]
    sweep_id = EXAMPLE_SWEEP_ID
    ran = set()
    try:
        # cancelJob last (it cancels the blocker), after the example jobs are cancelled while still queued.
        ordered = sorted(cases(document), key=lambda c: c["op"] == "cancelJob")
        for case in ordered:
            if case["op"] == "cancelJob":
                for job_id in job_ids[1:]:
                    client.post(f"/api/jobs/{job_id}/cancel")
            url = case["url"].replace(USER_MODEL_EXAMPLE, user_model).replace(EXAMPLE_JOB_ID, blocker["id"])
            url = url.replace(EXAMPLE_SWEEP_ID, sweep_id)
            if case["op"] in ("uploadModel", "importDataset"):  # multipart: a model file, a zip (own tests)
                continue
            response = client.request(case["method"], url, params=case["query"], json=case["body"])
            statuses = [s for s in map(expected, case["summaries"]) if s]
            want = statuses[0] if statuses else None
            if want is None:
                assert 200 <= response.status_code < 300, (case, response.text[:500])
            else:
                assert response.status_code == want, (case, response.text[:500])
            if case["op"] == "createJob" and response.status_code == 201:
                job_ids.append(response.json()["id"])
            if case["op"] == "createSweep" and response.status_code == 201:  # its jobs end while still queued
                sweep_id = response.json()["id"]
                client.post(f"/api/sweeps/{sweep_id}/cancel")
            ran.add(case["op"])
    finally:
        for job_id in job_ids:
            client.post(f"/api/jobs/{job_id}/cancel")
        for job_id in job_ids:
            wait_for_job(client, job_id)
    operations = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}
    assert ran == operations - {"uploadModel", "importDataset"}
