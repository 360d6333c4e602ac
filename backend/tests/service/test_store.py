"""The model store against real servers: broken folders hide nothing, start-up tidies a crash's leftovers,
unknown ids rescan the disk at most once per interval, and an unexpected error is a 500 with an error id."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aevp.ml.spec import ModelSpec
from aevp.service.app import create_app
from tests.service.conftest import TINY, expect_error_then_close, image_of, make_settings, save_untrained, ws_connect
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData


def _start(tmp: Path, **overrides: object) -> LiveServer:
    settings = make_settings(tmp, warm_models=False, **overrides)
    return LiveServer(create_app(settings, data=SyntheticData())).start()


@pytest.fixture()
def folders(tmp_path: Path) -> Path:
    (tmp_path / "pretrained").mkdir()
    save_untrained(tmp_path / "pretrained", ModelSpec(), "ae-32-64-l16-mnist")
    (tmp_path / "models").mkdir()
    return tmp_path


def _listing(server: LiveServer) -> dict[str, dict]:
    response = httpx.get(server.url + "/api/models", timeout=30)
    assert response.status_code == 200, response.text
    return {m["id"]: m for m in response.json()}


def test_broken_folders_are_listed_unavailable_and_hide_nothing(folders: Path) -> None:
    models = folders / "models"
    good = save_untrained(models, TINY)
    no_weights = save_untrained(models, TINY)
    (models / no_weights / "weights.safetensors").unlink()
    truncated = save_untrained(models, TINY)
    weights = models / truncated / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    bad_spec = save_untrained(models, TINY)
    (models / bad_spec / "spec.json").write_text("{not json")
    server = _start(folders)
    try:
        listed = _listing(server)
        assert listed["ae-32-64-l16-mnist"]["available"] and listed[good]["available"]
        problems = {k: m.get("problem") for k, m in listed.items() if not m["available"]}
        assert problems[no_weights] == "weights.safetensors is missing"
        assert problems[truncated].startswith("weights.safetensors is truncated or damaged")
        assert problems[bad_spec].startswith("spec: Invalid JSON")
        assert listed[no_weights]["title"] == "AE-4-L4 · MNIST" and listed[bad_spec]["title"] == bad_spec
        assert httpx.get(server.url + "/api/health").json()["models"] == 2
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for model_id in (no_weights, truncated, bad_spec):
                for response in (
                    http.get(f"/api/models/{model_id}"),
                    http.get(f"/api/models/{model_id}/latent-stats"),
                    http.post(f"/api/models/{model_id}/explore", json={"image": image_of()}),
                    http.post(f"/api/models/{model_id}/decode", json={"latent": [0.0] * 4}),
                ):
                    assert response.status_code == 409, response.text
                    assert f"model {model_id!r} is unavailable: {problems[model_id]}" in response.json()["detail"]
            with ws_connect(server, f"/ws/models/{no_weights}/explore") as ws:
                expect_error_then_close(ws, "unavailable", 4409)  # 4000 + 409, the message first
            for model_id in (no_weights, truncated, bad_spec):
                assert http.delete(f"/api/models/{model_id}").status_code == 204
                assert not (models / model_id).exists()
        assert set(_listing(server)) == {"ae-32-64-l16-mnist", good}
    finally:
        server.stop()


def test_a_folder_that_breaks_after_listing_is_listed_unavailable_once_it_fails_to_load(folders: Path) -> None:
    model_id = save_untrained(folders / "models", TINY)
    server = _start(folders)
    try:
        assert _listing(server)[model_id]["available"]
        (folders / "models" / model_id / "history.json").write_text('{"losses": "abc"}')
        response = httpx.get(f"{server.url}/api/models/{model_id}", timeout=30)
        assert response.status_code == 409 and "history.losses: must be a list" in response.json()["detail"]
        assert _listing(server)[model_id]["problem"] == "history.losses: must be a list, not a string"
        save_untrained(folders / "models", TINY, model_id)  # repaired (replaced in place): usable again
        assert _listing(server)[model_id]["available"]
    finally:
        server.stop()


def test_start_up_removes_old_leftovers_and_restores_an_interrupted_replace(folders: Path) -> None:
    models, maps = folders / "models", folders / "maps"
    maps.mkdir()
    restored = save_untrained(models, TINY)
    # A replace interrupted between its two renames (the fallback without rename-exchange): only the old copy is left.
    (models / restored).rename(models / f".tmp-old-{restored}-1a2b3c4d")
    (models / ".tmp-crashed-save").mkdir()
    (models / ".tmp-crashed-save" / "spec.json").write_text("{}")
    (maps / ".tmp-abc.npz").write_bytes(b"partial")
    time.sleep(0.6)
    (models / ".tmp-young").mkdir()  # a writer still at work: too young to touch
    server = _start(folders, leftover_age_s=0.5)
    try:
        assert sorted(p.name for p in models.iterdir()) == [".tmp-young", restored]
        assert list(maps.iterdir()) == []
        assert _listing(server)[restored]["available"]
    finally:
        server.stop()


def test_unknown_ids_rescan_the_disk_at_most_once_per_interval(folders: Path) -> None:
    server = _start(folders, rescan_interval_s=1.0)
    store = server.services.models.store
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            _listing(server)  # a listing scans
            scans = store.scans
            for i in range(20):
                assert http.get(f"/api/models/made-up-{i}").status_code == 404
            assert store.scans == scans  # the listing's scan was recent: no rescan at all
            time.sleep(1.0)
            for i in range(20):
                assert http.get(f"/api/models/made-up-{i}").status_code == 404
            assert store.scans == scans + 1
            # A model saved by another process since is found once the interval has passed.
            model_id = save_untrained(folders / "models", TINY)
            deadline = time.monotonic() + 5
            while http.get(f"/api/models/{model_id}").status_code == 404:
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert store.scans == scans + 2
    finally:
        server.stop()


@pytest.fixture()
def raising_server(folders: Path) -> Iterator[LiveServer]:
    app = create_app(make_settings(folders, warm_models=False), data=SyntheticData())

    @app.get("/api/test-raise")
    def boom() -> None:
        raise RuntimeError("a bug in a route")

    server = LiveServer(app).start()
    yield server
    server.stop()


def test_an_unexpected_error_is_a_500_with_an_error_id_that_the_log_repeats_with_the_traceback(
    raising_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="aevp.service.errors"):
        response = httpx.get(raising_server.url + "/api/test-raise", timeout=30)
    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"detail", "error_id"} and body["detail"] == "internal error"
    assert len(body["error_id"]) == 12 and "bug" not in response.text  # nothing of the error leaks
    records = [r for r in caplog.records if r.name == "aevp.service.errors" and body["error_id"] in r.getMessage()]
    assert len(records) == 1 and "GET /api/test-raise" in records[0].getMessage()
    assert records[0].exc_info is not None and "a bug in a route" in caplog.text  # the traceback is logged
