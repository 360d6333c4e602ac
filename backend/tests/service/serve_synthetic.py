"""A real `aevp serve`-like process for the tests that kill or stop a server: settings from AEVP_* variables,
synthetic data (tests/service/synthetic.py) instead of the datasets. Test-only: the package has no such switch.

    python -m tests.service.serve_synthetic PORT   (from backend/)
"""

from __future__ import annotations

import sys

import uvicorn

from aevp.service.app import create_app
from aevp.settings import Settings
from tests.service.synthetic import SyntheticData


def main() -> None:
    app = create_app(Settings(), data=SyntheticData())
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", ws_per_message_deflate=False)


if __name__ == "__main__":
    main()
