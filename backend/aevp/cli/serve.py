"""`aevp serve`: the API, the WebSockets and the built frontend on one port."""

import os
from typing import Annotated

import typer

from aevp.settings import Settings


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (default: AEVP_HOST or 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: AEVP_PORT or 8000)")] = None,
    reload: Annotated[bool, typer.Option(help="Restart when the backend's code changes (development)")] = False,
) -> None:
    """Serve the API at /api, the WebSockets at /ws, the docs at /docs and the lab at /.

    Beyond loopback (e.g. --host 0.0.0.0) every request needs an access token: AEVP_TOKEN, or one made
    now; the link that carries it is printed."""
    import uvicorn

    from aevp.service import netguard

    settings = Settings()
    host = host or settings.host
    port = port or settings.port
    # The app reads its settings again (in this process and, with --reload, in the worker): it learns the
    # bound address, on which the Host allow-list and the token requirement depend, through the environment.
    os.environ["AEVP_HOST"] = host
    os.environ["AEVP_PORT"] = str(port)
    made = False
    if not netguard.token_of(settings) and not netguard.is_loopback(host):
        os.environ["AEVP_TOKEN"] = netguard.new_token()
        made = True
    settings = Settings()
    try:
        netguard.check_settings(settings)
    except netguard.UnsafeSettings as e:
        typer.echo(f"aevp serve: {e}", err=True)
        raise typer.Exit(2) from None
    if netguard.token_of(settings):
        why = "a token made now (set AEVP_TOKEN to keep one across restarts)" if made else "AEVP_TOKEN"
        link = netguard.access_link(settings, port)
        typer.echo(f"Every request needs the access token ({why}). Open the lab with:\n\n    {link}\n", color=False)
    _raise_open_files_limit(settings.max_ws_clients)
    uvicorn.run(
        "aevp.service.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        reload_dirs=[str(settings.pretrained_dir.parent)] if reload else None,
        log_level="info",
        # Messages are mostly base64 heatmaps, which deflate barely shrinks, at a CPU cost per message.
        ws_per_message_deflate=False,
        # Behind a proxy (compose's nginx), the client's address comes from X-Forwarded-For, for the
        # per-client limits; only from the proxies named here.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


def _raise_open_files_limit(sockets: int) -> None:
    """Each WebSocket holds a file descriptor: lift the soft limit (often 1,024) toward the hard one."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = sockets + 256  # the models, the data and the log files besides the sockets
        if soft != resource.RLIM_INFINITY and soft < want:
            limit = want if hard == resource.RLIM_INFINITY else min(want, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    except (ImportError, OSError, ValueError):  # not on this platform, or not allowed: keep the default
        pass
