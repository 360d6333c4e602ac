"""POST/DELETE /api/datasets on a real server over the real data cache (a temporary one): an import of
generated PNGs trains, and hostile uploads are refused with nothing stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aevp.service.app import create_app
from tests.data.images import bomb_png, shape_files, with_entry, zip_bytes
from tests.service.conftest import make_settings, wait_for_job
from tests.service.server import LiveServer

BUILT_IN = ["mnist", "fashion-mnist", "quickdraw"]
SHAPES = zip_bytes({f"shapes/{name}": data for name, data in shape_files(12).items()})


@pytest.fixture(scope="module")
def importing(tmp_path_factory: pytest.TempPathFactory, pretrained_dir: Path) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("imports")
    settings = make_settings(tmp, pretrained_dir=pretrained_dir, warm_models=False, import_max_bytes=1 << 20)
    live = LiveServer(create_app(settings)).start()  # no `data=`: the real cache, in tmp/data
    yield live
    live.stop()


@pytest.fixture()
def api(importing: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=importing.url, timeout=120) as c:
        yield c


def upload(api: httpx.Client, archive: bytes, name: str, **form: str) -> httpx.Response:
    return api.post(
        "/api/datasets", files={"file": ("mine.zip", archive, "application/zip")}, data={"name": name, **form}
    )


def stored(server: LiveServer) -> list[str]:
    """Every file under the data cache (a refused import must leave none)."""
    root = server.services.settings.data_dir
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_an_imported_folder_of_pngs_trains_and_maps(importing: LiveServer, api: httpx.Client) -> None:
    created = upload(api, SHAPES, "shapes", invert="true", test_fraction="0.25")
    assert created.status_code == 201, created.text
    info = created.json()["dataset"]
    assert (info["name"], info["title"], info["imported"], info["verified"]) == ("shapes", "shapes", True, True)
    assert (info["train_size"], info["test_size"]) == (27, 9) and created.json()["notes"] == []
    assert [c["name"] for c in info["classes"]] == ["circle", "cross", "square"]

    listed = api.get("/api/datasets").json()
    assert [d["name"] for d in listed] == [*BUILT_IN, "shapes"]
    assert not any(d["cached"] for d in listed[:3])  # this cache has no built-in dataset
    crosses = api.get("/api/datasets/shapes/samples", params={"label": 1}).json()
    assert crosses["total"] == 3 and {s["label"] for s in crosses["items"]} == {1}

    spec = {"dataset": "shapes", "blocks": [{"filters": 4, "kernel": 3}], "latent_dim": 4, "batch_size": 8, "epochs": 1}
    submitted = api.post("/api/jobs", json={"spec": spec})
    assert submitted.status_code in (200, 201), submitted.text
    job = wait_for_job(api, submitted.json()["id"])
    assert job["state"] == "done", job
    model = api.get(f"/api/models/{job['model_id']}").json()
    assert model["spec"]["dataset"] == "shapes"
    latent_map = api.get(f"/api/models/{job['model_id']}/latent-map", params={"method": "pca"})
    assert latent_map.status_code == 200, latent_map.text
    assert sorted(latent_map.json()["labels"]) == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_a_job_on_an_unknown_dataset_is_refused(api: httpx.Client) -> None:
    spec = {"dataset": "no-such-data", "batch_size": 8, "epochs": 1}
    response = api.post("/api/jobs", json={"spec": spec})
    assert response.status_code == 409
    assert "Unknown dataset 'no-such-data'" in response.json()["detail"]
    bad = api.post("/api/jobs", json={"spec": {"dataset": "Not A Name"}})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "dataset"


@pytest.mark.parametrize(
    ("archive", "name", "status", "message"),
    [
        (with_entry(shape_files(2), "../../etc/cron.d/x.png"), "evil", 422, "unsafe path in the archive"),
        (zip_bytes({"a/bomb.png": bytes(8 << 20), "a/b.png": b""}), "evil", 413, "refused as a zip bomb"),
        (with_entry(shape_files(2), "circle/huge.png", bomb_png()), "evil", 413, "decompression bomb"),
        (with_entry(shape_files(2), "circle/readme.txt", b"hi"), "evil", 422, "circle/readme.txt is not a PNG"),
        (b"this is no zip", "evil", 422, "'mine.zip' is not a readable zip archive"),
        (SHAPES, "mnist", 409, "'mnist' is a built-in dataset"),
    ],
    ids=["traversal", "zip bomb", "image bomb", "not an image", "not a zip", "built-in name"],
)
def test_hostile_uploads_are_refused_and_leave_nothing(
    importing: LiveServer, api: httpx.Client, archive: bytes, name: str, status: int, message: str
) -> None:
    before = stored(importing)
    response = upload(api, archive, name)
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    assert stored(importing) == before
    assert "evil" not in [d["name"] for d in api.get("/api/datasets").json()]


def test_bad_forms_and_big_bodies(importing: LiveServer, api: httpx.Client) -> None:
    before = stored(importing)
    assert upload(api, SHAPES, "Bad Name").status_code == 422
    assert upload(api, SHAPES, "ok", test_fraction="0.9").status_code == 422
    assert api.post("/api/datasets", data={"name": "nofile"}).status_code == 422
    too_big = upload(api, bytes(2 << 20), "big")  # over this server's AEVP_IMPORT_MAX_BYTES (1 MiB)
    assert too_big.status_code == 413 and "limit" in too_big.json()["detail"]
    assert stored(importing) == before


def test_delete(importing: LiveServer, api: httpx.Client) -> None:
    assert upload(api, SHAPES, "to-delete").status_code == 201
    assert upload(api, SHAPES, "to-delete").status_code == 409
    assert api.delete("/api/datasets/mnist").status_code == 403
    assert api.delete("/api/datasets/nope").status_code == 404
    assert api.get("/api/datasets/to-delete/samples").status_code == 200
    assert api.delete("/api/datasets/to-delete").status_code == 204
    assert "to-delete" not in [d["name"] for d in api.get("/api/datasets").json()]
    assert api.get("/api/datasets/to-delete/samples").status_code == 404
    assert "user/to-delete.npz" not in stored(importing)
