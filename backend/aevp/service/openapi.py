"""`python -m aevp.service.openapi > openapi.json`: the OpenAPI schema without starting a server."""

import json
import sys

from aevp.service.app import create_app
from aevp.settings import Settings


def openapi_schema() -> dict:
    # frontend_dir=None: the static mount is not part of the API and its folder may not exist yet.
    return create_app(Settings(frontend_dir=None)).openapi()


if __name__ == "__main__":
    json.dump(openapi_schema(), sys.stdout, indent=2)
    sys.stdout.write("\n")
