import builtins
import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from aevp.data.safe_pickle import load_restricted


class _SystemCall:
    """Unpickling this runs a shell command (the classic pickle exploit)."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


class _Python2StylePickler(pickle.Pickler):
    """Writes arrays as Python 2 did (raw bytes as a latin1 str), as in the real MNIST pickle.

    Python 3 writes bytes at protocol 2 through `_codecs.encode`, which the restricted unpickler refuses;
    Python 2 wrote a plain str, so the real file needs only numpy's three globals.
    """

    def reducer_override(self, obj: object) -> object:
        if not isinstance(obj, np.ndarray):
            return NotImplemented
        function, (cls, base_shape, typecode), (version, shape, dtype, fortran, raw) = obj.__reduce__()
        args = (cls, base_shape, typecode.decode("latin1"))
        return function, args, (version, shape, dtype, fortran, raw.decode("latin1"))


def python2_style_pickle(obj: object) -> bytes:
    buffer = io.BytesIO()
    _Python2StylePickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


class _Eval:
    def __init__(self, source: str) -> None:
        self.source = source

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (builtins.eval, (self.source,))


def test_refuses_os_system_before_calling_it(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    # Hidden after a legitimate array, as an attacker would hide it in a dataset pickle.
    payload = python2_style_pickle((np.arange(3), _SystemCall(f"touch {marker}")))
    with pytest.raises(pickle.UnpicklingError, match=rf"refused global {os.system.__module__}\.system"):
        load_restricted(io.BytesIO(payload))
    assert not marker.exists()


@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_refuses_builtins_eval(tmp_path: Path, protocol: int) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Eval(f"open({str(marker)!r}, 'w').write('x')"), protocol=protocol)
    # Protocols below 3 spell the module __builtin__, as Python 2 did.
    with pytest.raises(pickle.UnpicklingError, match=r"refused global (builtins|__builtin__)\.eval"):
        load_restricted(io.BytesIO(payload))
    assert not marker.exists()


def test_refuses_codecs_encode_too() -> None:
    # Exactly numpy's three globals: a Python 3 protocol-2 pickle of bytes needs _codecs.encode.
    with pytest.raises(pickle.UnpicklingError, match=r"refused global _codecs\.encode"):
        load_restricted(io.BytesIO(pickle.dumps(b"\xff", protocol=2)))


def test_refuses_other_numpy_functions() -> None:
    # Only the array rebuild is allowed, not numpy as a whole (numpy.load could unpickle again, etc.).
    payload = pickle.dumps(np.load, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match=r"refused global numpy\.load"):
        load_restricted(io.BytesIO(payload))


@pytest.mark.parametrize("dumps", [python2_style_pickle, lambda obj: pickle.dumps(obj, protocol=4)])
def test_accepts_real_numpy_array_pickles(dumps) -> None:
    images = (np.arange(2 * 784, dtype=np.float32) / 256).reshape(2, 784)
    labels = np.array([5, 0], dtype=np.int64)
    data = ((images, labels), (images[:1], labels[:1]), (images, labels))
    loaded = load_restricted(io.BytesIO(dumps(data)))
    np.testing.assert_array_equal(loaded[0][0], images)
    assert loaded[0][0].dtype == np.float32
    np.testing.assert_array_equal(loaded[2][1], labels)


def test_reads_python2_era_pickles_naming_numpy_core() -> None:
    # The MNIST pickle predates numpy 2 and names numpy.core.multiarray._reconstruct; numpy 2 pickles
    # name numpy._core. Rewrite a fresh pickle to the old name to check both are accepted.
    payload = python2_style_pickle(np.array([1, 2, 3], dtype=np.uint8))
    old = payload.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert old != payload
    np.testing.assert_array_equal(load_restricted(io.BytesIO(old)), [1, 2, 3])
