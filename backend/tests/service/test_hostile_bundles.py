"""Model files that parse but carry odd metadata, uploaded to a real server: a 422 naming the field, nothing stored,
and the listing still answers 200. The bundle is a real one, downloaded from a shipped pretrained model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aevp.service.app import create_app
from aevp.settings import PRETRAINED_DIR
from tests.service.bundles import metadata, upload, with_metadata
from tests.service.conftest import make_settings
from tests.service.server import LiveServer
from tests.service.synthetic import SyntheticData

SHIPPED = "ae-32-64-l16-mnist"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("hostile")
    app = create_app(make_settings(tmp, pretrained_dir=PRETRAINED_DIR, warm_models=False), data=SyntheticData())
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def http(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def bundle(http: httpx.Client) -> bytes:
    response = http.get(f"/api/models/{SHIPPED}/download")
    assert response.status_code == 200
    return response.content


HISTORY = '{"losses": [0.5], "epochs": [{"epoch": 1, "psnr": 20.0}]}'
# (what is changed, the field the 422 must name, a fragment of its message)
CASES = {
    "metric NaN": ({"metrics": '{"psnr": NaN}'}, "metrics.psnr", "finite"),
    "metric Infinity": ({"metrics": '{"psnr": -Infinity}'}, "metrics.psnr", "finite"),
    "metric 2^64": ({"metrics": '{"psnr": 18446744073709551616}'}, "metrics.psnr", "within"),
    "metric string": ({"metrics": '{"psnr": "high"}'}, "metrics.psnr", "not a string"),
    "metric 400 digits": ({"metrics": '{"psnr": ' + "9" * 400 + "}"}, "metrics.psnr", "within"),
    "metric 1e999": ({"metrics": '{"psnr": 1e999}'}, "metrics.psnr", "finite"),
    "metric boolean": ({"metrics": '{"psnr": true}'}, "metrics.psnr", "boolean"),
    "metric list": ({"metrics": '{"psnr": [1]}'}, "metrics.psnr", "list"),
    "metric name": ({"metrics": '{"a b": 1}'}, "metrics.a b", "metric name"),
    "metrics a list": ({"metrics": "[1, 2]"}, "metrics", "dictionary"),
    "metrics 5000 digits": ({"metrics": '{"psnr": ' + "9" * 5000 + "}"}, "metrics", "JSON"),
    "metrics nested": ({"metrics": '{"a": {"b": {"c": {"d": {"e": 1}}}}}'}, "metrics", "nested deeper"),
    "metrics too many": ({"metrics": json.dumps({f"m{i}": i for i in range(65)})}, "metrics", "64"),
    "losses a string": ({"history": '{"losses": "abc", "epochs": []}'}, "history.losses", "not a string"),
    "loss a string": ({"history": '{"losses": [0.5, "x"], "epochs": []}'}, "history.losses.1", "not a string"),
    "loss NaN": ({"history": '{"losses": [NaN], "epochs": []}'}, "history.losses.0", "finite"),
    "epochs integers": ({"history": '{"losses": [], "epochs": [1, 2]}'}, "history.epochs.0", "dictionary"),
    "epochs null": ({"history": '{"losses": [], "epochs": [null]}'}, "history.epochs.0", "dictionary"),
    "epoch number 0": ({"history": '{"epochs": [{"epoch": 0}]}'}, "history.epochs.0.epoch", "greater"),
    "epoch psnr huge": ({"history": '{"epochs": [{"epoch": 1, "psnr": 1e300}]}'}, "history.epochs.0.psnr", "within"),
    "history a list": ({"history": "[]"}, "history", "dictionary"),
    "history deep": ({"history": "[" * 100_000 + "]" * 100_000}, "history", "nested deeper"),
    "history not JSON": ({"history": "{"}, "history", "JSON"),
    "spec wrong": ({"spec": '{"latent_dim": 1000}'}, "spec.latent_dim", "64"),
    "spec unknown key": ({"spec": '{"layers": 3}'}, "spec.layers", "Extra"),
    "spec not text": ({"spec": {"latent_dim": 4}}, "spec", "JSON text"),
    "metrics not text": ({"metrics": 3}, "metrics", "JSON text"),
}


def _user_folders(live: LiveServer) -> set[str]:
    root: Path = live.services.settings.models_dir
    return {p.name for p in root.iterdir()} if root.is_dir() else set()


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_metadata_is_a_422_naming_the_field_and_nothing_is_stored(
    live: LiveServer, http: httpx.Client, bundle: bytes, case: str
) -> None:
    replace, field, fragment = CASES[case]
    before = _user_folders(live)
    response = upload(http, with_metadata(bundle, replace))
    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert f"{field}: " in error["msg"] and fragment in error["msg"], error
    assert error["loc"][:2] == ["body", "file"] and ".".join(str(x) for x in error["loc"][2:]) == field
    assert _user_folders(live) == before  # nothing stored, not even a temporary folder
    listing = http.get("/api/models")
    assert listing.status_code == 200 and all(m["available"] for m in listing.json())


def test_unknown_keys_are_dropped_and_the_rest_kept(http: httpx.Client, bundle: bytes) -> None:
    history = json.loads(metadata(bundle)["history"])
    history["extra"] = {"anything": [1, 2]}
    history["epochs"][0]["note"] = "dropped"
    changed = with_metadata(bundle, {"history": json.dumps(history), "comment": "not ours"})
    response = upload(http, changed)
    assert response.status_code == 201, response.text
    model_id = response.json()["id"]
    detail = http.get(f"/api/models/{model_id}").json()
    assert len(detail["history"]["losses"]) == len(history["losses"])
    stored = json.loads(metadata(http.get(f"/api/models/{model_id}/download").content)["history"])
    assert "extra" not in stored and "note" not in stored["epochs"][0]
    assert http.delete(f"/api/models/{model_id}").status_code == 204


def test_null_losses_and_metrics_are_kept_as_null(http: httpx.Client, bundle: bytes) -> None:
    changed = with_metadata(bundle, {"metrics": '{"psnr": null, "test_loss": 0.1}', "history": HISTORY.replace(
        "[0.5]", "[0.5, null]")})
    response = upload(http, changed)
    assert response.status_code == 201, response.text
    assert response.json()["metrics"] == {"psnr": None, "test_loss": 0.1}
    model_id = response.json()["id"]
    assert http.get(f"/api/models/{model_id}").json()["history"]["losses"] == [0.5, None]
    assert http.delete(f"/api/models/{model_id}").status_code == 204


def test_a_hostile_folder_on_disk_is_unavailable_and_hides_nothing(
    live: LiveServer, http: httpx.Client, bundle: bytes
) -> None:
    """The old failure: a 2^64 metric stored, and every listing a 500 from then on. A folder edited by hand to
    hold one now lists as unavailable with the reason, answers 409, and can be deleted."""
    model_id = upload(http, bundle).json()["id"]
    (live.services.settings.models_dir / model_id / "metrics.json").write_text('{"psnr": 18446744073709551616}')
    listing = http.get("/api/models")
    assert listing.status_code == 200
    by_id = {m["id"]: m for m in listing.json()}
    assert by_id[SHIPPED]["available"] and len([m for m in by_id.values() if m["available"]]) >= 5
    assert by_id[model_id]["available"] is False
    assert by_id[model_id]["problem"] == "metrics.psnr: must be within ±1e+15"
    assert by_id[model_id]["title"] == "AE-32-64-L16 · MNIST"
    image = [[0.0] * 28] * 28
    for response in (
        http.get(f"/api/models/{model_id}"),
        http.post(f"/api/models/{model_id}/explore", json={"image": image}),
        http.get(f"/api/models/{model_id}/download"),
    ):
        assert response.status_code == 409 and "unavailable" in response.json()["detail"], response.text
    assert http.delete(f"/api/models/{model_id}").status_code == 204
    assert model_id not in {m["id"] for m in http.get("/api/models").json()}


@pytest.mark.parametrize("replace", [
    {"metrics": '{"\\ud800": 1}'},
    {"spec": '{"\\ud800": 1}'},
    {"history": '{"epochs": [{"\\udfff": 1}]}'},
    {"metrics": '{"psnr": "\\ud800"}'},
])
def test_a_lone_surrogate_anywhere_is_answered_in_json(http: httpx.Client, bundle: bytes, replace: dict) -> None:
    response = upload(http, with_metadata(bundle, replace))
    assert response.status_code in (201, 422) and response.json(), response.text
    if response.status_code == 201:
        assert http.delete(f"/api/models/{response.json()['id']}").status_code == 204
