"""A job's resumable checkpoint: `<state dir>/jobs/<id>/resume.npz`, rewritten atomically at each epoch end.

One .npz holds the weights (`param/<name>`), the optimizer state's leaves (`opt/<i>`), every loss so far (and a
VAE's terms) and a JSON header (`meta`: the epoch, the epochs' metrics, the training time). It is written under
a temporary name, fsynced, renamed over the old one and the folder fsynced: a crash leaves the old checkpoint
or the new one, never a mix. No pickles: `np.load(allow_pickle=False)`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
from pathlib import Path

import numpy as np

from aevp.ml.events import TrainState

log = logging.getLogger(__name__)

FORMAT = 1
FILE = "resume.npz"
TEMP_PREFIX = ".tmp-"
HISTORY_ARRAYS = ("losses", "recon", "kl")


class CheckpointUnreadable(Exception):
    pass


def folder(root: Path, job_id: str) -> Path:
    return root / job_id


def save(root: Path, job_id: str, state: TrainState) -> None:
    """Writes the state atomically, replacing the job's previous checkpoint."""
    target = folder(root, job_id)
    target.mkdir(parents=True, exist_ok=True)
    arrays = {f"param/{k}": np.asarray(v) for k, v in state.params.items()}
    arrays.update({f"opt/{i}": np.asarray(v) for i, v in enumerate(state.opt_state)})
    for name in HISTORY_ARRAYS:
        if name in state.history:
            arrays[name] = np.asarray(state.history[name], dtype=np.float64)
    meta = {
        "format": FORMAT,
        "epoch": state.epoch,
        "epochs": state.history.get("epochs", []),
        "train_seconds": state.train_seconds,
        "opt_leaves": len(state.opt_state),
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    temp = target / f"{TEMP_PREFIX}{FILE}-{secrets.token_hex(4)}"
    try:
        with open(temp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, target / FILE)
    finally:
        temp.unlink(missing_ok=True)
    _fsync_dir(target)


def load(root: Path, job_id: str) -> TrainState | None:
    """The job's last checkpoint; None when it has none. CheckpointUnreadable when the file is broken."""
    path = folder(root, job_id) / FILE
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(bytes(npz["meta"]).decode())
            if meta.get("format") != FORMAT:
                raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT}")
            params = {k.removeprefix("param/"): npz[k] for k in npz.files if k.startswith("param/")}
            opt_state = [npz[f"opt/{i}"] for i in range(int(meta["opt_leaves"]))]
            history = {name: npz[name].tolist() for name in HISTORY_ARRAYS if name in npz.files}
        history["epochs"] = list(meta["epochs"])
        return TrainState(int(meta["epoch"]), params, opt_state, history, float(meta["train_seconds"]))
    except (OSError, ValueError, KeyError, TypeError) as e:  # zip, JSON and header errors alike
        raise CheckpointUnreadable(f"{path}: {type(e).__name__}: {e}") from e


def remove(root: Path, job_id: str) -> None:
    shutil.rmtree(folder(root, job_id), ignore_errors=True)


def remove_leftovers(root: Path) -> int:
    """Deletes temporary files a crash left mid-write; returns how many."""
    count = 0
    for temp in root.glob(f"*/{TEMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            temp.unlink()
            count += 1
    return count


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
