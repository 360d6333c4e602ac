"""Progress reporting for fetches: a rich progress bar on stderr, or nothing at all."""

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text


class _BytesColumn(ProgressColumn):
    """Downloaded / total bytes, only on steps that count bytes."""

    def __init__(self) -> None:
        super().__init__()
        self._download = DownloadColumn()

    def render(self, task: Task) -> Text:
        return self._download.render(task) if task.fields.get("bytes") else Text("")


class Step:
    """One line of progress; `advance` adds bytes (or any unit) to it."""

    def __init__(self, progress: Progress | None, task: TaskID | None) -> None:
        self._progress, self._task = progress, task
        self.completed = 0.0

    def set_total(self, total: float | None) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=total)

    def advance(self, amount: float) -> None:
        self.completed += amount
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, amount)


class Reporter:
    """Shows the steps of a fetch; with enabled=False every call is a no-op."""

    def __init__(self, enabled: bool = True, console: Console | None = None) -> None:
        self._progress: Progress | None = None
        self._started = False
        if enabled:
            self._progress = Progress(
                SpinnerColumn(finished_text="[green]✓[/]"),
                TextColumn("{task.description}"),
                BarColumn(),
                _BytesColumn(),
                TimeElapsedColumn(),
                console=console or Console(stderr=True),
            )

    def __enter__(self) -> "Reporter":
        return self

    def _live(self) -> Progress | None:
        # Started on first use, so a fetch that shows nothing leaves no blank line behind.
        if self._progress is not None and not self._started:
            self._progress.start()
            self._started = True
        return self._progress

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None and self._started:
            self._progress.stop()

    @contextmanager
    def step(
        self, description: str, total: float | None = None, *, counts_bytes: bool = False
    ) -> Iterator[Step]:
        """A line with a spinner while the block runs, then a tick; removed if the block raises."""
        progress = self._live()
        if progress is None:
            yield Step(None, None)
            return
        task = progress.add_task(description, total=total, bytes=counts_bytes)
        step = Step(progress, task)
        try:
            yield step
        except BaseException:
            progress.remove_task(task)
            raise
        done = step.completed if counts_bytes else 1
        progress.update(task, total=done or 1, completed=done or 1)

    def note(self, message: str, style: str | None = None) -> None:
        """A line of plain text above the bars (e.g. why a source failed)."""
        progress = self._live()
        if progress is not None:
            progress.console.print(message, style=style, markup=False, highlight=False)
