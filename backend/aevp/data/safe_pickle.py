"""Reading pickled numpy arrays without running code: an unpickler that knows only numpy's array rebuild.

A pickle can call any importable function while loading. The MNIST pickle needs exactly three globals to
rebuild its arrays, so those are the only ones we resolve; anything else (os.system, builtins.eval, ...)
is refused before it can be called.
"""

import importlib
import pickle
from typing import IO, Any

import numpy as np

# (module, name) pairs the MNIST pickle references; numpy 2 renamed numpy.core to numpy._core.
_RECONSTRUCT = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}
_NUMPY_TYPES = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}
ALLOWED_GLOBALS = frozenset(_RECONSTRUCT | set(_NUMPY_TYPES))


def _reconstruct_function() -> Any:
    # Resolve the current home of _reconstruct without importing the deprecated numpy.core shim.
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            return importlib.import_module(module)._reconstruct
        except (ImportError, AttributeError):
            continue
    raise pickle.UnpicklingError("this numpy has no multiarray._reconstruct")


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays, dtypes and plain containers; refuses every other global."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _RECONSTRUCT:
            return _reconstruct_function()
        if (module, name) in _NUMPY_TYPES:
            return _NUMPY_TYPES[(module, name)]
        raise pickle.UnpicklingError(
            f"refused global {module}.{name}: this pickle may only rebuild numpy arrays"
        )


def load_restricted(file: IO[bytes]) -> Any:
    """Load a pickle made of numpy arrays and plain containers (latin1 reads Python 2 era pickles)."""
    return RestrictedUnpickler(file, encoding="latin1").load()
