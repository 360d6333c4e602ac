"""The IDX file format of the MNIST family: a pure codec (bytes <-> arrays) plus file helpers.

Layout: two zero bytes, a type code, the number of dimensions, then each dimension as a big-endian uint32,
then the values in C order, big-endian.
"""

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

_GZIP_MAGIC = b"\x1f\x8b"

# IDX type code -> big-endian numpy dtype.
_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES: dict[tuple[str, int], int] = {(dtype.kind, dtype.itemsize): code for code, dtype in _DTYPES.items()}


class IdxError(ValueError):
    """The bytes are not a well-formed IDX file."""


def encode_idx(array: np.ndarray) -> bytes:
    """Encode an array (uint8, int8, int16, int32, float32 or float64; at least one dimension) as IDX."""
    array = np.asarray(array)
    code = _CODES.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise IdxError(f"IDX cannot hold dtype {array.dtype}")
    if array.ndim == 0 or array.ndim > 255:
        raise IdxError(f"IDX needs 1 to 255 dimensions, got {array.ndim}")
    header = struct.pack(f">BBBB{array.ndim}I", 0, 0, code, array.ndim, *array.shape)
    return header + np.ascontiguousarray(array, dtype=_DTYPES[code]).tobytes()


def decode_idx(data: bytes | bytearray | memoryview) -> np.ndarray:
    """Decode IDX bytes into an array in native byte order; raises IdxError on any malformed input."""
    if len(data) < 4:
        raise IdxError(f"too short for an IDX header ({len(data)} bytes)")
    zero0, zero1, code, ndim = struct.unpack_from(">BBBB", data)
    if zero0 or zero1:
        raise IdxError(f"bad magic number {bytes(data[:4]).hex()} (an IDX file starts with two zero bytes)")
    dtype = _DTYPES.get(code)
    if dtype is None:
        raise IdxError(f"unknown IDX type code 0x{code:02x}")
    if ndim == 0:
        raise IdxError("IDX header declares zero dimensions")
    offset = 4 + 4 * ndim
    if len(data) < offset:
        raise IdxError(f"header declares {ndim} dimensions but the file ends after {len(data)} bytes")
    shape = struct.unpack_from(f">{ndim}I", data, 4)
    expected = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "has trailing bytes"
        raise IdxError(f"file {what}: shape {shape} needs {expected} bytes, found {len(data)}")
    array = np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file, gzipped or not (told apart by content, not by name)."""
    raw = Path(path).read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise IdxError(f"{path.name}: corrupt gzip data ({exc})") from exc
    try:
        return decode_idx(raw)
    except IdxError as exc:
        raise IdxError(f"{path.name}: {exc}") from exc


def write_idx(path: Path, array: np.ndarray, *, compress: bool | None = None) -> None:
    """Write an array as IDX; gzipped when `compress` is true or, by default, when the name ends in .gz."""
    data = encode_idx(array)
    if compress is None:
        compress = Path(path).suffix == ".gz"
    if compress:
        data = gzip.compress(data, compresslevel=6, mtime=0)
    Path(path).write_bytes(data)
