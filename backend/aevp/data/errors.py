"""The errors the data layer raises."""


class DataError(Exception):
    """A dataset could not be read, fetched or verified; the message is one paragraph saying how to fix it."""


class SourceError(Exception):
    """One source could not provide a dataset; the message is the short reason shown to the user."""
