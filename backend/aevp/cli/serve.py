"""`aevp serve`: the API, the WebSockets and the built frontend on one port."""

from typing import Annotated

import typer

from aevp.settings import Settings


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (default: AEVP_HOST or 127.0.0.1)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: AEVP_PORT or 8000)")] = None,
    reload: Annotated[
        bool, typer.Option(help="Restart when the backend's code changes (development)")
    ] = False,
) -> None:
    """Serve the API at /api, the WebSockets at /ws, the docs at /docs and the lab at /."""
    import uvicorn

    settings = Settings()
    uvicorn.run(
        "aevp.service.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        reload_dirs=[str(settings.pretrained_dir.parent)] if reload else None,
        log_level="info",
        # Messages are mostly base64 heatmaps, which deflate barely shrinks, at a CPU cost per message.
        ws_per_message_deflate=False,
    )
