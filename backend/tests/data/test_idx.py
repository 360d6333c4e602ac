import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from aevp.data.idx import IdxError, decode_idx, encode_idx, read_idx, write_idx

DTYPES = ["u1", "i1", ">i2", "<i2", ">i4", "<i4", "<f4", ">f8"]


@given(
    hnp.arrays(
        dtype=st.sampled_from(DTYPES).map(np.dtype),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6),
        elements={"allow_nan": False},
    )
)
def test_round_trip_preserves_values_dtype_kind_and_shape(array: np.ndarray) -> None:
    decoded = decode_idx(encode_idx(array))
    assert decoded.shape == array.shape
    assert (decoded.dtype.kind, decoded.dtype.itemsize) == (array.dtype.kind, array.dtype.itemsize)
    np.testing.assert_array_equal(decoded, array)


def test_header_matches_the_published_layout() -> None:
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    data = encode_idx(images)
    assert data[:16] == bytes([0, 0, 8, 3]) + struct.pack(">3I", 2, 28, 28)
    assert data[16:] == images.tobytes()
    assert encode_idx(np.array([1, 2], dtype=np.int32))[8:] == b"\x00\x00\x00\x01\x00\x00\x00\x02"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x00\x08", "too short"),
        (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "bad magic"),
        (b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00", "unknown IDX type code 0x07"),
        (b"\x00\x00\x08\x00", "zero dimensions"),
        (b"\x00\x00\x08\x03" + struct.pack(">I", 1), "file ends after"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 4) + b"\x00\x01", "truncated"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 1) + b"\x00\x01", "trailing bytes"),
        (b"\x00\x00\x0c\x01" + struct.pack(">I", 2) + b"\x00" * 7, "truncated"),
    ],
)
def test_malformed_headers_raise_idx_error(data: bytes, message: str) -> None:
    with pytest.raises(IdxError, match=message):
        decode_idx(data)


def test_encode_refuses_what_idx_cannot_hold() -> None:
    with pytest.raises(IdxError, match="dtype"):
        encode_idx(np.zeros(3, dtype=np.uint64))
    with pytest.raises(IdxError, match="dimensions"):
        encode_idx(np.uint8(3))


@pytest.mark.parametrize("name", ["labels-idx1-ubyte", "labels-idx1-ubyte.gz"])
def test_files_gzipped_or_not_are_told_apart_by_content(tmp_path: Path, name: str) -> None:
    labels = np.array([5, 0, 4, 1, 9], dtype=np.uint8)
    write_idx(tmp_path / name, labels)
    assert (tmp_path / name).read_bytes()[:2] == (b"\x1f\x8b" if name.endswith(".gz") else b"\x00\x00")
    np.testing.assert_array_equal(read_idx(tmp_path / name), labels)
    # A gzipped file without the .gz suffix still reads.
    (tmp_path / "renamed").write_bytes(gzip.compress(encode_idx(labels)))
    np.testing.assert_array_equal(read_idx(tmp_path / "renamed"), labels)


def test_truncated_gzip_names_the_file(tmp_path: Path) -> None:
    data = gzip.compress(encode_idx(np.zeros((3, 28, 28), dtype=np.uint8)))
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(IdxError, match="train-images-idx3-ubyte.gz: corrupt gzip"):
        read_idx(tmp_path / "train-images-idx3-ubyte.gz")
