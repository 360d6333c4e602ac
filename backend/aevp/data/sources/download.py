"""The canonical download: the published IDX .gz files, over HTTP(S), with a short time limit.

Offline, this must fail fast: name resolution runs in a helper thread bounded by the time limit (the
resolver ignores socket timeouts), and every connect or read waits at most the remaining time. Once a host
answers, a read may wait up to `timeout_s` per chunk, so a slow but live download still completes.
"""

import gzip
import socket
import threading
import time
import urllib.error
import urllib.request
import zlib
from urllib.parse import urlsplit

from aevp.data.catalog import IDX_FILES, SPLITS
from aevp.data.errors import SourceError
from aevp.data.idx import IdxError, decode_idx
from aevp.data.progress import Reporter, Step
from aevp.data.verify import Splits

_CHUNK = 1 << 20
_MAX_BYTES = 64 << 20  # the largest file (train images) is about 10 MB compressed; refuse anything absurd
_USER_AGENT = "aevp-data/0.1"


def _resolve(host: str, port: int, timeout_s: float) -> None:
    """Raise SourceError unless the host name resolves within the time limit."""
    outcome: list[BaseException | None] = []

    def work() -> None:
        try:
            socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            outcome.append(None)
        except OSError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=work, name=f"resolve-{host}", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if not outcome:
        raise SourceError(f"cannot resolve {host} within {timeout_s:.0f} s")
    if outcome[0] is not None:
        raise SourceError(f"cannot resolve {host} ({outcome[0]})")


def _get(url: str, timeout_s: float, step: Step) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            chunks, size = [], 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > _MAX_BYTES:
                    raise SourceError(f"{url} is larger than {_MAX_BYTES >> 20} MB")
                chunks.append(chunk)
                step.advance(len(chunk))
    except urllib.error.HTTPError as exc:
        raise SourceError(f"{url} answered HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"{urlsplit(url).hostname} unreachable ({reason})") from exc
    return b"".join(chunks)


class DownloadSource:
    """The published files, from the first mirror that answers."""

    def __init__(self, name: str, mirrors: tuple[str, ...], timeout_s: float = 5.0) -> None:
        self.name = name
        self.mirrors = mirrors
        self.timeout_s = timeout_s
        self.label = "download from " + " or ".join(str(urlsplit(url).hostname) for url in mirrors)

    def read(self, reporter: Reporter) -> tuple[Splits, str]:
        deadline = time.monotonic() + self.timeout_s
        reasons = []
        for base in self.mirrors:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                reasons.append(f"no time left for {urlsplit(base).hostname}")
                break
            try:
                return self._read_mirror(base, remaining, reporter), f"download from {base}"
            except SourceError as exc:
                reasons.append(str(exc))
        raise SourceError("; ".join(reasons))

    def _read_mirror(self, base: str, first_timeout_s: float, reporter: Reporter) -> Splits:
        parts = urlsplit(base)
        host = str(parts.hostname)
        _resolve(host, parts.port or (443 if parts.scheme == "https" else 80), first_timeout_s)
        arrays = []
        with reporter.step(f"{self.name}: downloading from {host}", counts_bytes=True) as step:
            for index, key in enumerate(SPLITS):
                # The first request proves the host answers; later ones may use the full per-read limit.
                timeout_s = first_timeout_s if index == 0 else self.timeout_s
                data = _get(f"{base}{IDX_FILES[key]}.gz", timeout_s, step)
                try:
                    arrays.append(decode_idx(gzip.decompress(data)))
                except (IdxError, OSError, EOFError, zlib.error) as exc:
                    raise SourceError(f"{IDX_FILES[key]}.gz from {host} is corrupt ({exc})") from exc
        return Splits(*arrays)
