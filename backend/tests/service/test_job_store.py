"""The job store (SQLite) and the resumable checkpoint files, without a server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from aevp.ml.events import TrainState
from aevp.service.jobs import resume as checkpoints
from aevp.service.jobs.records import Job
from aevp.service.jobs.store import SCHEMA_VERSION, JobStore, StateTooNew, migrate
from aevp.service.schemas import EpochMetrics
from tests.service.conftest import TINY


def metrics(epoch: int) -> EpochMetrics:
    return EpochMetrics(epoch=epoch, train_loss=0.5, test_loss=0.4, psnr=15.0, ssim=0.5)


def test_a_new_file_gets_the_schema_and_a_newer_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    JobStore(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert migrate(conn) == SCHEMA_VERSION  # nothing left to do
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StateTooNew, match="newer than this AeVP"):
        JobStore(path)


def test_records_and_history_round_trip_and_truncate(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs.sqlite3")
    job = Job(id="a1", spec=TINY, client="127.0.0.1")
    store.insert(job)
    store.append_losses("a1", 0, [1.0, 2.0, 3.0], {})
    store.append_losses("a1", 3, [4.0, 5.0], {})
    store.append_losses("a1", 5, [6.0], {})
    for epoch in (1, 2):
        store.add_epoch("a1", metrics(epoch))
    job.state, job.checkpoint_epoch = "running", 1
    store.save(job)
    assert store.interrupt_active("stopped", job.created) == 1
    store.close()

    again = JobStore(tmp_path / "jobs.sqlite3")
    (loaded,) = again.load_all()
    assert (loaded.id, loaded.state, loaded.error, loaded.spec, loaded.checkpoint_epoch) == (
        "a1",
        "interrupted",
        "stopped",
        TINY,
        1,
    )
    losses, terms, epochs = again.history("a1")
    assert losses.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0] and terms == {} and [e.epoch for e in epochs] == [1, 2]
    again.truncate("a1", 4, 1)  # cuts the chunk that straddles step 4
    losses, _, epochs = again.history("a1")
    assert losses.tolist() == [1.0, 2.0, 3.0, 4.0] and [e.epoch for e in epochs] == [1]
    again.append_losses("a1", 4, [7.0], {"recon": [0.5], "kl": [0.1]})
    losses, terms, _ = again.history("a1")
    assert losses.tolist() == [1.0, 2.0, 3.0, 4.0, 7.0] and terms["kl"][-1] == 0.1 and np.isnan(terms["kl"][0])
    again.delete(["a1"])
    assert again.load_all() == [] and again.history("a1")[0].size == 0


def test_an_unreadable_row_is_skipped_not_fatal(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs.sqlite3")
    store.insert(Job(id="good", spec=TINY))
    store.insert(Job(id="bad", spec=TINY))
    with sqlite3.connect(tmp_path / "jobs.sqlite3") as conn:
        conn.execute("UPDATE jobs SET spec='{\"blocks\": 3}' WHERE id='bad'")
    assert [j.id for j in store.load_all()] == ["good"]


def test_checkpoint_round_trip_is_exact_and_atomic(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    params = {"enc.kernel": rng.standard_normal((3, 3, 1, 4)).astype(np.float32), "enc.bias": np.zeros(4, np.float32)}
    opt = [np.array(7, np.int32), rng.standard_normal((3, 3, 1, 4)).astype(np.float32)]
    history = {"losses": [0.7, 0.6], "recon": [0.5, 0.4], "kl": [0.2, 0.2], "epochs": [{"epoch": 1, "psnr": 12.5}]}
    state = TrainState(1, params, opt, history, 3.25)
    assert checkpoints.load(tmp_path, "j1") is None
    checkpoints.save(tmp_path, "j1", state)
    checkpoints.save(tmp_path, "j1", state)  # replaces the first one
    back = checkpoints.load(tmp_path, "j1")
    assert back is not None and back.epoch == 1 and back.train_seconds == 3.25 and back.history == history
    assert all(np.array_equal(back.params[k], v) and back.params[k].dtype == v.dtype for k, v in params.items())
    assert [x.dtype for x in back.opt_state] == [np.int32, np.float32] and np.array_equal(back.opt_state[1], opt[1])
    assert sorted(p.name for p in (tmp_path / "j1").iterdir()) == ["resume.npz"], "no temporary file is left"
    (tmp_path / "j1" / ".tmp-resume.npz-dead").write_bytes(b"half")
    assert checkpoints.remove_leftovers(tmp_path) == 1
    (tmp_path / "j1" / "resume.npz").write_bytes(b"not a zip")
    with pytest.raises(checkpoints.CheckpointUnreadable):
        checkpoints.load(tmp_path, "j1")
