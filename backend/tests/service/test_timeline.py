"""Training timelines through a real server: a job's frames stream and are fetched, its model keeps them, bundles
carry them, and a hostile one is refused on upload."""

from __future__ import annotations

import base64
import io
import zipfile

import httpx
import numpy as np
import pytest
from safetensors.numpy import load as st_load
from safetensors.numpy import save as st_save

from tests.service.bundles import split, upload
from tests.service.conftest import PRETRAINED_ID, PRETRAINED_VAE_ID, TINY, read_until_closed, ws_connect
from tests.service.server import LiveServer

SPEC = TINY.model_copy(update={"epochs": 3})


def images(batch: dict) -> np.ndarray:
    raw = np.frombuffer(base64.b64decode(batch["data"]), np.uint8)
    return raw.reshape(batch["count"], batch["height"], batch["width"]).astype(np.float64)


@pytest.fixture(scope="module")
def trained(server: LiveServer) -> tuple[str, str, list[dict]]:
    """A job's id, its model's id and every message its stream sent."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        job = client.post("/api/jobs", json={"spec": SPEC.model_dump()})
        assert job.status_code == 201, job.text
        with ws_connect(server, f"/ws/jobs/{job.json()['id']}") as ws:
            messages = read_until_closed(ws)
    assert messages[-1]["state"] == "done"
    return job.json()["id"], messages[-1]["model_id"], messages


def test_a_job_streams_its_frames_and_its_model_keeps_them(trained, client: httpx.Client) -> None:
    job_id, model_id, messages = trained
    announced = [m for m in messages if m["type"] == "timeline_frame"]
    assert [m["index"] for m in announced] == list(range(len(announced))) and len(announced) >= 20
    steps = [m["step"] for m in announced]
    assert steps[0] == 0 and steps[-1] == 3 * (512 // 32) and steps == sorted(set(steps))
    assert announced[0]["loss"] is None and all(m["loss"] > 0 for m in announced[1:])

    index = client.get(f"/api/models/{model_id}/timeline").json()
    assert [f["step"] for f in index["frames"]] == steps and index["complete"] is True
    assert index["probes"] == 8 and index["points"] == 128  # the synthetic test set is smaller than 1,000
    assert client.get(f"/api/jobs/{job_id}/timeline").json()["frames"] == index["frames"]

    first, last = (client.get(f"/api/models/{model_id}/timeline/{i}").json() for i in (0, len(steps) - 1))
    err = [np.mean((images(f["reconstructions"]) - images(f["inputs"])) ** 2) for f in (first, last)]
    assert err[1] < 0.5 * err[0], err
    names = [a["name"] for a in last["activations"]]
    assert names == [r.name for r in SPEC.layers() if r.name != "latent"]
    assert last["activations"][0]["tensor"]["shape"] == [4, 28, 28]
    assert len(last["map"]["x"]) == len(last["map"]["labels"]) == 128
    assert set(last["map"]["labels"]) <= set(range(10))
    job_frame = client.get(f"/api/jobs/{job_id}/timeline/{len(steps) - 1}").json()
    assert job_frame["reconstructions"] == last["reconstructions"]


def test_missing_timelines_and_frames_out_of_range(trained, client: httpx.Client) -> None:
    job_id, model_id, _ = trained
    no_timeline = client.get(f"/api/models/{PRETRAINED_VAE_ID}/timeline")
    assert no_timeline.status_code == 404 and "no training timeline" in no_timeline.json()["detail"]
    assert client.get(f"/api/models/{PRETRAINED_VAE_ID}/timeline/0").status_code == 404
    shipped = client.get(f"/api/models/{PRETRAINED_ID}/timeline").json()  # conftest's fake one
    assert [f["step"] for f in shipped["frames"]] == [0, 1, 2] and shipped["points"] == 20
    assert client.get("/api/models/no-such-model/timeline").status_code == 404
    count = len(client.get(f"/api/models/{model_id}/timeline").json()["frames"])
    out = client.get(f"/api/models/{model_id}/timeline/{count}")
    assert out.status_code == 404 and f"0..{count - 1}" in out.json()["detail"]
    assert client.get(f"/api/jobs/{job_id}/timeline/{count}").status_code == 404
    assert client.get(f"/api/models/{model_id}/timeline/-1").status_code == 422
    assert client.get(f"/api/models/{model_id}/timeline/abc").status_code == 422
    assert client.get("/api/jobs/000000000000/timeline").status_code == 404
    queued = client.post("/api/jobs", json={"spec": SPEC.model_copy(update={"epochs": 100}).model_dump()}).json()
    try:  # a job before its first frame: no frames yet (200), and no frame 0 (404)
        early = client.get(f"/api/jobs/{queued['id']}/timeline").json()
        assert early["complete"] is False and len(early["frames"]) < 100
        assert client.get(f"/api/jobs/{queued['id']}/timeline/999999").status_code == 404
    finally:
        client.post(f"/api/jobs/{queued['id']}/cancel")


def _with_timeline(bundle: bytes, timeline: bytes) -> bytes:
    tensors = st_load(bundle)
    tensors["__timeline__"] = np.frombuffer(timeline, np.uint8)
    return st_save(tensors, metadata=split(bundle)[0]["__metadata__"])


def test_bundles_carry_the_timeline_and_hostile_ones_are_refused(trained, client: httpx.Client) -> None:
    _, model_id, _ = trained
    bundle = client.get(f"/api/models/{model_id}/download").content
    assert "__timeline__" in split(bundle)[0]
    back = upload(client, bundle)
    assert back.status_code == 201, back.text
    new_id = back.json()["id"]
    original = client.get(f"/api/models/{model_id}/timeline/5").json()
    assert client.get(f"/api/models/{new_id}/timeline/5").json() == original

    timeline = st_load(bundle)["__timeline__"].tobytes()
    with zipfile.ZipFile(io.BytesIO(timeline)) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    buf = io.BytesIO()
    np.save(buf, np.arange(5, dtype=np.int64)[::-1].copy())  # steps that fall
    members["steps.npy"] = buf.getvalue()
    falling = io.BytesIO()
    with zipfile.ZipFile(falling, "w") as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    before = {m["id"] for m in client.get("/api/models").json()}
    for hostile, fragment in ((b"PK\x03\x04 not really a zip", "not a timeline"),
                              (falling.getvalue(), "steps")):
        refused = upload(client, _with_timeline(bundle, hostile))
        assert refused.status_code == 422, refused.text
        assert "timeline" in refused.text and fragment in refused.text
    assert {m["id"] for m in client.get("/api/models").json()} == before  # nothing stored
