"""Reading a zip archive or a folder for an import: every name checked, every byte counted, nothing extracted.

An archive is refused (ImportRefused, nothing stored) before a byte of content is read when it has too many
entries, an unsafe name (absolute, `..`, a backslash, a drive letter, a control character), a symbolic
link, an encrypted member, a compression other than stored/deflate, a member that expands more than
`max_ratio` times, or members that add up to more than `max_bytes`; while reading, the bytes actually
produced are counted against `max_bytes` as well (declared sizes may lie).
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aevp.data.errors import ImportRefused

_RATIO_FLOOR = 1 << 20  # below 1 MiB expanded, any ratio is harmless (a blank image compresses 100x)
_SPARE_ENTRIES = 100  # folders and the odd hidden file, on top of the images and classes
_JUNK_NAMES = {"Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class ImportLimits:
    """The limits of one import (AEVP_IMPORT_* settings)."""

    max_images: int = 100_000
    max_bytes: int = 256 << 20
    max_classes: int = 1000
    max_pixels: int = 4096 * 4096
    max_ratio: int = 100

    @classmethod
    def from_settings(cls, settings: object) -> ImportLimits:
        """The limits from an `aevp.settings.Settings` (its import_max_* fields)."""
        return cls(**{f: getattr(settings, f"import_{f}") for f in cls.__dataclass_fields__})

    @property
    def max_entries(self) -> int:
        return self.max_images + self.max_classes + _SPARE_ENTRIES


@dataclass(frozen=True)
class Entry:
    """One file of the archive or folder: its checked relative path ('/'-separated) and expanded size."""

    path: str
    size: int


def is_junk(path: str) -> bool:
    """Hidden files and folders, macOS resource forks and Windows thumbnails: skipped, never read."""
    parts = path.split("/")
    return parts[-1] in _JUNK_NAMES or any(part.startswith(".") or part == "__MACOSX" for part in parts)


def check_name(name: str) -> str:
    """The name, unless it could point outside the archive or is malformed; raises ImportRefused."""
    parts = name.rstrip("/").split("/")
    unsafe = (
        not name
        or name.startswith("/")
        or "\\" in name
        or any(ord(c) < 32 or ord(c) == 127 for c in name)
        or any(part in ("", ".", "..") for part in parts)
        or (len(parts[0]) >= 2 and parts[0][1] == ":")
    )
    if unsafe:
        raise ImportRefused(f"unsafe path in the archive: {name!r} (absolute, '..', or not a plain name)")
    return name.rstrip("/")


class Reader:
    """Entries of a zip or a folder; `read` returns one entry's bytes and counts them against the limit."""

    entries: list[Entry]

    def __init__(self, limits: ImportLimits, label: str) -> None:
        self.limits = limits
        self.label = label
        self.read_bytes = 0

    def count(self, size: int) -> None:
        """Add bytes produced by reading or decompressing; refuses past `max_bytes`."""
        self.read_bytes += size
        if self.read_bytes > self.limits.max_bytes:
            raise ImportRefused(
                f"{self.label} expands to more than {self.limits.max_bytes:,} bytes (AEVP_IMPORT_MAX_BYTES)",
                too_large=True,
            )

    def read(self, entry: Entry) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        """Release the archive."""

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_totals(self, declared: int) -> None:
        if declared > self.limits.max_bytes:
            raise ImportRefused(
                f"{self.label} expands to {declared:,} bytes, over the limit of {self.limits.max_bytes:,} "
                "(AEVP_IMPORT_MAX_BYTES)",
                too_large=True,
            )

    def _too_many(self, count: int) -> ImportRefused:
        return ImportRefused(
            f"{self.label} has {count:,} or more entries, over the limit of {self.limits.max_entries:,} "
            "(AEVP_IMPORT_MAX_IMAGES + AEVP_IMPORT_MAX_CLASSES + 100)",
            too_large=True,
        )


def _entry_count(file: Path | BinaryIO) -> int | None:
    """The entry count from the end-of-central-directory record, read before zipfile parses every entry (a
    huge central directory would otherwise cost memory before it could be counted)."""
    handle = open(file, "rb") if isinstance(file, Path) else file  # noqa: SIM115 (closed below when ours)
    try:
        record = zipfile._EndRecData(handle)  # type: ignore[attr-defined]  # stable since Python 2
        return None if not record else int(record[zipfile._ECD_ENTRIES_TOTAL])  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError, IndexError):
        return None
    finally:
        if isinstance(file, Path):
            handle.close()
        else:
            file.seek(0)


class ZipReader(Reader):
    """A zip archive (a path or a seekable file object)."""

    def __init__(self, file: Path | BinaryIO, limits: ImportLimits, label: str) -> None:
        super().__init__(limits, label)
        count = _entry_count(file)
        if count is not None and count > limits.max_entries:
            raise self._too_many(count)
        try:
            self._zip = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise ImportRefused(f"{label} is not a readable zip archive ({exc})") from exc
        try:
            self._infos = self._check(self._zip.infolist())
        except BaseException:
            self._zip.close()
            raise
        self.entries = [Entry(name, info.file_size) for name, info in self._infos.items()]

    def _check(self, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
        if len(infos) > self.limits.max_entries:
            raise self._too_many(len(infos))
        files: dict[str, zipfile.ZipInfo] = {}
        declared = 0
        for info in infos:
            name = check_name(info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ImportRefused(f"{name} is a symbolic link; an import reads only plain files")
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise ImportRefused(f"{name} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ImportRefused(f"{name} uses an unsupported compression (only stored or deflate)")
            if info.file_size > _RATIO_FLOOR and info.file_size > self.limits.max_ratio * max(info.compress_size, 1):
                raise ImportRefused(
                    f"{name} expands {info.file_size / max(info.compress_size, 1):,.0f} times, over the limit of "
                    f"{self.limits.max_ratio} (AEVP_IMPORT_MAX_RATIO): refused as a zip bomb",
                    too_large=True,
                )
            if name in files:
                raise ImportRefused(f"{name} appears twice in the archive")
            files[name] = info
            declared += info.file_size
        self._check_totals(declared)
        return files

    def read(self, entry: Entry) -> bytes:
        info = self._infos[entry.path]
        try:
            with self._zip.open(info) as member:
                data = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as exc:
            raise ImportRefused(f"{entry.path} is corrupt in the archive ({exc})") from exc
        if len(data) > info.file_size:
            raise ImportRefused(f"{entry.path} is longer than the archive declares")
        self.count(len(data))
        return data

    def close(self) -> None:
        self._zip.close()


class FolderReader(Reader):
    """A folder on disk (the CLI's `aevp data import DIR`): its files, not following symbolic links."""

    def __init__(self, root: Path, limits: ImportLimits) -> None:
        super().__init__(limits, f"folder {root}")
        self.root = root
        self.entries = []
        declared = 0
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in sorted(names) + [d for d in dirs if (Path(folder) / d).is_symlink()]:
                path = Path(folder) / name
                relative = path.relative_to(root).as_posix()
                if path.is_symlink():
                    raise ImportRefused(f"{relative} is a symbolic link; an import reads only plain files")
                info = path.lstat()
                if not stat.S_ISREG(info.st_mode):
                    continue
                self.entries.append(Entry(check_name(relative), info.st_size))
                declared += info.st_size
                if len(self.entries) > limits.max_entries:
                    raise self._too_many(len(self.entries))
        self._check_totals(declared)

    def read(self, entry: Entry) -> bytes:
        with open(self.root / entry.path, "rb") as file:
            data = file.read(entry.size + 1)
        if len(data) > entry.size:
            raise ImportRefused(f"{entry.path} changed while it was read")
        self.count(len(data))
        return data


def gunzip(data: bytes, name: str, reader: Reader) -> bytes:
    """Decompress a gzip member in bounded steps: its output counts against the limit, and a ratio over
    `max_ratio` (past 1 MiB) is refused as a bomb."""
    inflater = zlib.decompressobj(wbits=31)
    chunks, produced = [], 0
    pending = data
    try:
        while pending and not inflater.eof:
            chunk = inflater.decompress(pending, 1 << 20)
            pending = inflater.unconsumed_tail
            produced += len(chunk)
            if produced > _RATIO_FLOOR and produced > reader.limits.max_ratio * max(len(data), 1):
                raise ImportRefused(
                    f"{name} expands more than {reader.limits.max_ratio} times (AEVP_IMPORT_MAX_RATIO): "
                    "refused as a gzip bomb",
                    too_large=True,
                )
            reader.count(len(chunk))
            chunks.append(chunk)
    except zlib.error as exc:
        raise ImportRefused(f"{name}: corrupt gzip data ({exc})") from exc
    if not inflater.eof:
        raise ImportRefused(f"{name}: truncated gzip data")
    return b"".join(chunks)


def open_reader(source: Path | BinaryIO, limits: ImportLimits, label: str | None = None) -> Reader:
    """A folder's reader, or a zip's (a path or a file object)."""
    if isinstance(source, Path):
        if source.is_dir():
            return FolderReader(source, limits)
        if not source.is_file():
            raise ImportRefused(f"{source} is neither a folder nor a zip file")
        if source.stat().st_size > limits.max_bytes:
            raise ImportRefused(
                f"{source} is larger than {limits.max_bytes:,} bytes (AEVP_IMPORT_MAX_BYTES)", too_large=True
            )
    return ZipReader(source, limits, label or (f"{source}" if isinstance(source, Path) else "the archive"))
