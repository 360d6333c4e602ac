"""Folders put in place atomically: a new one renamed in, an existing one exchanged, leftovers of a crash removed.

A model folder is written under a `.tmp-` name and fsynced first. A new id is one rename. Replacing an id is
one `renameat2(RENAME_EXCHANGE)` on Linux: the complete new folder and the old one swap names in one step, so
the id always names a complete model. Where the exchange is not available (another OS, a file system without
it), the old folder is renamed aside as `.tmp-old-<id>-...` and the new one renamed in; a crash between the two
leaves no `<id>`, and `recover` (run at start-up) renames the old folder back.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import secrets
import shutil
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)

TMP_PREFIX = ".tmp-"
OLD_PREFIX = f"{TMP_PREFIX}old-"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_renameat2 = None
if sys.platform.startswith("linux"):
    try:
        _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28+
        _renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    except (OSError, AttributeError):
        _renameat2 = None
# Tests turn the exchange off to check the fallback and its recovery.
USE_EXCHANGE = os.environ.get("AEVP_NO_RENAME_EXCHANGE") != "1"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths' names in one step; False where the system cannot (the caller falls back)."""
    if _renameat2 is None or not USE_EXCHANGE:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def put_in_place(tmp: Path, final: Path) -> None:
    """Rename the complete folder `tmp` to `final`, atomically replacing a folder already there."""
    if not final.exists():
        tmp.rename(final)
    elif _exchange(tmp, final):
        shutil.rmtree(tmp, ignore_errors=True)  # `tmp` now holds the old model
    else:
        old = final.parent / f"{OLD_PREFIX}{final.name}-{secrets.token_hex(4)}"
        final.rename(old)
        tmp.rename(final)  # a crash just before this line leaves `old` for `recover`
        shutil.rmtree(old, ignore_errors=True)
    fsync_dir(final.parent)


def _age_s(path: Path) -> float:
    """Seconds since the entry last changed: its ctime, which a rename or a new file inside also moves."""
    return time.time() - path.lstat().st_ctime


def recover(root: Path, min_age_s: float) -> list[str]:
    """Rename back every old folder whose replacement never arrived (the fallback's crash window); their names.
    Only entries older than `min_age_s`: a younger one may be a live writer's, between its two renames."""
    restored: list[str] = []
    if not root.is_dir():
        return restored
    for path in sorted(root.glob(f"{OLD_PREFIX}*")):
        name = path.name[len(OLD_PREFIX) :].rsplit("-", 1)[0]
        target = root / name
        if path.is_dir() and name and not target.exists() and _age_s(path) >= min_age_s:
            path.rename(target)
            restored.append(name)
            log.warning("restored model folder %s after an interrupted replace", name)
    if restored:
        fsync_dir(root)
    return restored


def remove_leftovers(root: Path, min_age_s: float) -> list[str]:
    """Delete `.tmp-*` entries older than `min_age_s` (a crash's leftovers; a younger one may be a writer's)."""
    removed: list[str] = []
    if not root.is_dir():
        return removed
    for path in root.glob(f"{TMP_PREFIX}*"):
        try:
            if _age_s(path) < min_age_s:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:  # another process removed it first
            continue
        except OSError as e:
            log.warning("could not remove the leftover %s: %s", path, e)
            continue
        removed.append(path.name)
    if removed:
        log.info("removed %d leftover temporary entries in %s", len(removed), root)
    return removed
