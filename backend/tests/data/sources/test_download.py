"""The download source against a local HTTP server (no network): success, HTTP errors, dead hosts, stalls."""

import functools
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from aevp.data.errors import SourceError
from aevp.data.progress import Reporter
from aevp.data.sources import download
from aevp.data.sources.download import DownloadSource
from aevp.data.verify import Splits

from ..conftest import write_idx_folder

QUIET = Reporter(enabled=False)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path, tiny: Splits) -> Iterator[str]:
    """A local server publishing the tiny dataset like the canonical site: http://127.0.0.1:PORT/."""
    root = write_idx_folder(tmp_path / "site", tiny)
    handler = functools.partial(_QuietHandler, directory=str(root))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
        httpd.shutdown()


@pytest.fixture
def dead_port() -> int:
    """A local port nobody listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_downloads_and_decodes_the_four_files(server: str, tiny: Splits) -> None:
    splits, description = DownloadSource("mnist", (server,)).read(QUIET)
    assert description == f"download from {server}"
    for got, want in zip(splits, tiny, strict=True):
        np.testing.assert_array_equal(got, want)


def test_falls_back_to_the_next_mirror(server: str, dead_port: int) -> None:
    source = DownloadSource("mnist", (f"http://127.0.0.1:{dead_port}/", server))
    assert source.label == "download from 127.0.0.1 or 127.0.0.1"
    assert source.read(QUIET)[1] == f"download from {server}"


def test_http_errors_are_reported(server: str, tmp_path: Path) -> None:
    (tmp_path / "site" / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(SourceError, match="t10k-images-idx3-ubyte.gz answered HTTP 404"):
        DownloadSource("mnist", (server,)).read(QUIET)


def test_corrupt_download_is_reported(server: str, tmp_path: Path) -> None:
    (tmp_path / "site" / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8bnot really gzip")
    with pytest.raises(SourceError, match="train-labels-idx1-ubyte.gz from 127.0.0.1 is corrupt"):
        DownloadSource("mnist", (server,)).read(QUIET)


def test_unresolvable_host_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(download.socket, "getaddrinfo", no_dns)
    start = time.monotonic()
    with pytest.raises(SourceError, match=r"cannot resolve example\.org \(\[Errno -2\] Name or service"):
        DownloadSource("mnist", ("https://example.org/mnist/",)).read(QUIET)
    assert time.monotonic() - start < 0.5


def test_a_hanging_resolver_is_cut_off_by_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download.socket, "getaddrinfo", lambda *args, **kwargs: time.sleep(3))
    start = time.monotonic()
    with pytest.raises(SourceError, match="cannot resolve example.org within 0 s"):
        DownloadSource("mnist", ("https://example.org/",), timeout_s=0.3).read(QUIET)
    assert time.monotonic() - start < 1.5


def test_a_silent_server_times_out() -> None:
    # Accepts connections (the kernel's backlog) but never answers.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        start = time.monotonic()
        with pytest.raises(SourceError, match="127.0.0.1 unreachable"):
            DownloadSource("mnist", (f"http://127.0.0.1:{port}/",), timeout_s=0.3).read(QUIET)
        assert time.monotonic() - start < 1.5
