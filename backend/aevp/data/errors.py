"""The errors the data layer raises."""


class DataError(Exception):
    """A dataset could not be read, fetched or verified; the message is one paragraph saying how to fix it."""


class SourceError(Exception):
    """One source could not provide a dataset; the message is the short reason shown to the user."""


class ImportRefused(DataError):
    """An import was refused (a hostile or unusable archive, a limit passed); nothing was stored.

    `too_large` marks refusals for size (the service answers 413 for those, 422 for the others)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


class DatasetExists(DataError):
    """An import under a name that is taken (a built-in dataset's, or an earlier import's)."""


class NotImported(DataError):
    """A built-in dataset where only an imported one will do (e.g. delete)."""
