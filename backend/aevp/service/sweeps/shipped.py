"""The ready-made sweeps shipped beside the pretrained models: `<pretrained>/_sweeps/<id>.json`, read-only.

The folder's name is not a model id (ids start with a letter or digit), so the model store never lists it.

Each file is a `SweepInfo` (written by `aevp sweep --pretrained`) whose jobs name pretrained models; the files
are re-read when they change, and a file that does not validate is skipped with a log line.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from aevp.service.schemas import SweepInfo

FOLDER = "_sweeps"
log = logging.getLogger(__name__)


class ShippedSweeps:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen: dict[Path, tuple[int, int, SweepInfo | None]] = {}

    def all(self) -> list[SweepInfo]:
        try:
            paths = sorted(self.folder.glob("*.json"))
        except OSError:
            return []
        out = []
        for path in paths:
            info = self._read(path)
            if info is not None:
                out.append(info)
        return out

    def _read(self, path: Path) -> SweepInfo | None:
        try:
            st = path.stat()
        except OSError:
            return None
        held = self._seen.get(path)
        if held is not None and held[:2] == (st.st_mtime_ns, st.st_size):
            return held[2]
        info: SweepInfo | None
        try:
            info = SweepInfo.model_validate_json(path.read_bytes()).model_copy(update={"pretrained": True})
        except (OSError, ValidationError, ValueError) as e:
            log.warning("shipped sweep %s is unreadable and not listed: %s", path, e)
            info = None
        self._seen[path] = (st.st_mtime_ns, st.st_size, info)
        return info


def write(folder: Path, info: SweepInfo) -> Path:
    """Writes a sweep into the shipped folder atomically (temp file, fsync, rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{info.id}.json"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(info.model_copy(update={"pretrained": True}).model_dump_json(indent=1))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
