import io
import zipfile

import numpy as np
import pytest

from aevp.ml import timeline as tl
from aevp.ml import timeline_file as tf
from aevp.ml.events import Finished, TimelineFrame
from aevp.ml.spec import ModelSpec
from aevp.ml.train import train

SPEC = ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=3, batch_size=16, epochs=3)


@pytest.fixture(scope="module")
def run(blobs):
    labels = np.arange(blobs[1].shape[0]) % 5
    events = list(train(SPEC, blobs[0], blobs[1], test_labels=labels))
    return events, labels


def test_schedule_is_dense_early_and_ends_on_the_last_step():
    steps = tl.schedule(2345, 100)
    assert steps[0] == 0 and steps[-1] == 2345 and (np.diff(steps) > 0).all()
    assert 60 <= len(steps) <= 101
    assert (steps < 235).sum() > (steps > 2110).sum()  # the first tenth holds more frames than the last
    assert tl.schedule(3, 100).tolist() == [0, 1, 2, 3]


def test_frames_rise_in_step_and_the_last_reconstructs_better_than_the_first(run, blobs):
    events, labels = run
    frames = [e for e in events if isinstance(e, TimelineFrame)]
    final = events[-1]
    assert isinstance(final, Finished) and final.state == "done"
    t = final.timeline
    assert len(frames) == len(t) >= 20 and [f.index for f in frames] == list(range(len(frames)))
    assert t.steps[0] == 0 and t.steps[-1] == 3 * (512 // 16) and (np.diff(t.steps) > 0).all()
    assert t.epochs[0] == 0 and t.epochs[-1] == 3 and np.isnan(t.losses[0]) and np.isfinite(t.losses[1:]).all()
    assert t.losses[-1] == pytest.approx(final.history["losses"][-1])
    probes = t.probes.astype(np.float64)
    err = [np.mean((t.recon[i].astype(np.float64) - probes) ** 2) for i in (0, -1)]
    assert err[1] < 0.5 * err[0]
    assert [name for name, _ in t.layers] == [r.name for r in SPEC.layers() if r.name != "latent"]
    assert t.act[0].shape == (len(t), 4, 28 * 28)
    assert t.positions.shape == (len(t), 64, 2) and t.map_labels.tolist() == labels.tolist()
    rms = np.sqrt((t.positions.astype(np.float64) ** 2).sum(axis=2).mean(axis=1))
    assert np.allclose(rms, 1.0, atol=1e-4)


def test_positions_are_aligned_to_the_previous_frame():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, 5)) * [5, 3, 1, 0.1, 0.1]
    a = tl.map_positions(z, None)
    turn = np.array([[0, -1], [1, 0]], float)
    b = tl.map_positions(z @ np.linalg.qr(rng.normal(size=(5, 5)))[0], a)  # the same cloud, rotated in 5-D
    assert np.abs(b - a).max() < 1e-4
    assert np.abs(tl.map_positions(z, a @ turn) - a @ turn).max() < 1e-4


def test_timeline_bytes_within_the_bound_and_round_trip(run):
    t = run[0][-1].timeline
    data = tf.dump(t)
    assert len(data) < 1_000_000  # this small model; the default one stays under PLAN_BYTES
    back = tf.read(data, SPEC)
    assert back.steps.tolist() == t.steps.tolist() and np.array_equal(back.recon, t.recon)
    assert np.array_equal(back.act[1], t.act[1]) and np.array_equal(back.positions, t.positions)
    assert tl.summary(back)[0] == {"index": 0, "step": 0, "epoch": 0, "loss": None}


def test_default_model_plans_frames_within_the_budget():
    spec = ModelSpec()
    n = tl.frame_budget(spec, 8, tl.MAP_POINTS)
    per_frame = 8 * 784 + sum(int(np.prod(r.shape)) for r in spec.layers() if r.name != "latent") + 8000
    assert tl.MIN_FRAMES <= n <= tl.TARGET_FRAMES and n * per_frame <= tl.PLAN_BYTES
    big = ModelSpec(blocks=[{"filters": 128, "kernel": 3}] * 2)
    assert tl.frame_budget(big, 8, tl.MAP_POINTS) < n


def _rewrite(data: bytes, **changes: np.ndarray | bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    for name, value in changes.items():
        if isinstance(value, bytes):
            members[f"{name}.npy"] = value
        else:
            buf = io.BytesIO()
            np.save(buf, value)
            members[f"{name}.npy"] = buf.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return out.getvalue()


def test_hostile_timelines_are_refused(run):
    t = run[0][-1].timeline
    good = tf.dump(t)
    n = len(t)
    cases = {
        "not a zip": b"hello",
        "falling steps": _rewrite(good, steps=t.steps[::-1].copy()),
        "too many frames": _rewrite(good, steps=np.arange(tl.MAX_FRAMES + 1, dtype=np.int64)),
        "nan positions": _rewrite(good, positions=np.full((n, 64, 2), np.nan, np.float32)),
        "wrong recon shape": _rewrite(good, recon=np.zeros((n, 2, 28, 28), np.uint8)),
        "object array": _rewrite(good, losses=np.array([None] * n, dtype=object)),
        "stray member": _rewrite(good, **{"../evil": np.zeros(1)}),
        # A header that claims a terabyte in a few bytes: refused before any allocation.
        "lying header": _rewrite(good, recon=b"\x93NUMPY\x01\x00v\x00{'descr': '|u1', 'fortran_order': False, "
                                 b"'shape': (1000000, 1000000), }" + b" " * 44 + b"\n"),
        "too big": b"\0" * (tf.MAX_FILE_BYTES + 1),
    }
    for name, data in cases.items():
        with pytest.raises(tf.TimelineError):
            tf.read(data)
            pytest.fail(name)
    other = ModelSpec(blocks=[{"filters": 8, "kernel": 3}], latent_dim=3)
    with pytest.raises(tf.TimelineError, match="layer table"):
        tf.read(good, other)


def test_saved_with_the_model_carried_in_its_bundle_and_checked_on_the_way_back(run, tmp_path):
    from aevp.ml import checkpoint

    final = run[0][-1]
    data = tf.dump(final.timeline)
    model_id = checkpoint.save(tmp_path, SPEC, final.params, final.metrics, final.history, timeline=data)
    assert (tmp_path / model_id / tf.FILE).read_bytes() == data
    bundle = checkpoint.to_bundle(checkpoint.load(tmp_path / model_id))
    spec, params, _, _ = checkpoint.from_bundle(bundle)
    assert checkpoint.bundle_timeline(bundle, spec) == data and set(params) == set(final.params)
    with pytest.raises(checkpoint.CheckpointError, match="timeline"):
        checkpoint.save(tmp_path, SPEC, final.params, {}, None, timeline=b"not a timeline")
    assert checkpoint.model_folders(tmp_path) == [tmp_path / model_id]  # nothing half-written left
