"""Running a package client (pip, apt-get, dpkg, npm) with a time limit, and the line that says why it failed."""

import subprocess
from pathlib import Path

from aevp.data.errors import SourceError

COMMAND_TIMEOUT_S = 600  # a 30 MB package on a slow link; offline, the clients give up much sooner


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a client; raises SourceError when it cannot start or overruns the time limit."""
    try:
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SourceError(f"`{' '.join(command[:3])}` took longer than {COMMAND_TIMEOUT_S} s") from exc
    except OSError as exc:
        raise SourceError(f"cannot run {command[0]} ({exc})") from exc


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    """The error line of apt/pip output (`E:`, `ERROR:`), else its last line."""
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("E:", "ERROR:"))]
    return (errors or lines or [f"exit status {result.returncode}"])[-1]


def npm_reason(result: subprocess.CompletedProcess[str]) -> str:
    """npm's own reason: the `reason:` line (network), else its first error line (e.g. `code E404`)."""
    lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    errors = [line.removeprefix("npm error").removeprefix("npm ERR!").strip() for line in lines]
    errors = [line for line in errors if line and not line.startswith(("A complete log", "at "))]
    reasons = [line for line in errors if "reason:" in line or line.startswith("404")]
    return (reasons or errors or [f"exit status {result.returncode}"])[0]
