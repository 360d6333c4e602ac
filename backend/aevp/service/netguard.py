"""Network safety in front of every route: the Host allow-list, the access token and the Origin checks.

One ASGI middleware (`NetGuard`) sees every HTTP request and WebSocket handshake before the app does:
* Host: loopback names, the names in `AEVP_ALLOWED_HOSTS` and the server's own name; any port. A page
  on another domain that re-resolves its name to this server (DNS rebinding) sends its own name as Host
  and gets 400. Bound beyond loopback, an IP-address Host is allowed too: it cannot carry a rebinding.
* Token: with `AEVP_TOKEN` set (`aevp serve` sets one whenever it listens beyond loopback), every request
  but `/api/health` and CORS preflights needs it: `?token=`, `Authorization: Bearer`, or the HttpOnly,
  SameSite=Strict cookie either of those sets. Else 401 with a message.
* Origin: a browser's state-changing request (POST, PUT, PATCH, DELETE, uploads) and every WebSocket
  must come from this origin or an allowed one (`AEVP_CORS_ORIGINS`); else 403. A request without an
  Origin (curl, scripts) passes: it needed the token already unless the server is loopback-only.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
import socket
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from aevp.settings import Settings

log = logging.getLogger(__name__)

COOKIE = "aevp_token"
COOKIE_MAX_AGE_S = 30 * 24 * 3600  # a term's lessons without opening the link again
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", "[::]", ""})
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OPEN_PATHS = frozenset({"/api/health"})  # compose's healthcheck asks it without credentials
MIN_TOKEN_CHARS = 12


class UnsafeSettings(ValueError):
    """Settings that would expose the server (beyond loopback without a token, or a guessable token)."""


def token_of(settings: Settings) -> str:
    return settings.token.get_secret_value().strip()


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: only this machine can connect."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def check_settings(settings: Settings) -> None:
    """Refuse to serve beyond loopback without a token, or with a token short enough to guess."""
    token = token_of(settings)
    if token and len(token) < MIN_TOKEN_CHARS:
        raise UnsafeSettings(f"AEVP_TOKEN is too short: use at least {MIN_TOKEN_CHARS} characters")
    if not token and not is_loopback(settings.host):
        raise UnsafeSettings(
            f"serving on {settings.host} needs an access token: set AEVP_TOKEN (`aevp serve` makes one)"
        )


def new_token() -> str:
    return secrets.token_urlsafe(24)


def split_hosts(value: str) -> list[str]:
    """`AEVP_ALLOWED_HOSTS` as a list: comma- or space-separated names, lower-case, ports dropped."""
    return [strip_port(h) for h in value.replace(",", " ").split() if h]


def strip_port(host: str) -> str:
    """'Example.org:8080' -> 'example.org', '[::1]:8000' -> '[::1]'."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.index("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def lan_address() -> str | None:
    """The address other machines reach this one at (the route out; no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if is_loopback(address) else address


def link_host(settings: Settings) -> str:
    """The host an access link names: the bound one, else (a wildcard bind) this machine's LAN address."""
    if settings.host not in WILDCARDS:
        return settings.host
    return lan_address() or socket.gethostname()


def access_link(settings: Settings, port: int) -> str:
    """`http://HOST:PORT/?token=...` (or under `AEVP_PUBLIC_URL`): what a browser opens to get the cookie."""
    query = urlencode({"token": token_of(settings)})
    if settings.public_url:
        return f"{settings.public_url.rstrip('/')}/?{query}"
    host = link_host(settings)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/?{query}"


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """Loopback names, the setting's names, the bound host and the public URL's host (all without ports)."""
    hosts = set(LOOPBACK_NAMES) | set(split_hosts(settings.allowed_hosts))
    if settings.host not in WILDCARDS:
        hosts.add(strip_port(settings.host))
    else:
        hosts.add(socket.gethostname().lower())
    if settings.public_url:
        hosts.add(strip_port(urlsplit(settings.public_url).netloc))
    return frozenset(hosts)


def _default_port(scheme: str) -> str:
    return "443" if scheme in ("https", "wss") else "80"


def same_origin(origin: str, host_header: str | None) -> bool:
    """Whether the Origin names the host:port the request was sent to (a missing port is the default)."""
    if not host_header:
        return False
    parts = urlsplit(origin)
    if not parts.hostname:
        return False
    o_port = str(parts.port) if parts.port else _default_port(parts.scheme)
    h_name = strip_port(host_header)
    rest = host_header.strip().lower()[len(h_name) :]
    h_port = rest[1:] if rest.startswith(":") else _default_port(parts.scheme)
    o_name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return o_name.lower() == h_name and o_port == h_port


def origin_allowed(origin: str, host_header: str | None, allowed: list[str]) -> bool:
    """This server's own origin, or one named in `AEVP_CORS_ORIGINS` (`*` allows any)."""
    return origin in allowed or "*" in allowed or same_origin(origin, host_header)


class NetGuard:
    """The ASGI middleware: Host, then token, then Origin; a refusal never reaches the app."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        check_settings(settings)
        self.app = app
        self.settings = settings
        self.token = token_of(settings)
        self.hosts = allowed_hosts(settings)
        self.any_host = "*" in self.hosts
        self.ip_hosts = not is_loopback(settings.host)  # beyond loopback: IP-literal Hosts are fine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        headers = conn.headers
        websocket = scope["type"] == "websocket"
        method = "GET" if websocket else scope["method"]
        host = headers.get("host")
        if not self.host_allowed(host):
            name = host if host is not None else "(none)"
            detail = (
                f"Host {name!r} is not allowed: add its name to AEVP_ALLOWED_HOSTS to serve it "
                "(this check stops DNS-rebinding pages)"
            )
            await self.refuse(scope, receive, send, 400, detail)
            return
        explicit = self.explicit_token(conn)
        cookie_ok = self.token_matches(conn.cookies.get(COOKIE))
        needs_token = bool(self.token) and conn.url.path not in OPEN_PATHS and not _preflight(method, headers)
        if needs_token and not (explicit or cookie_ok):
            detail = (
                "this AeVP server needs its access token: open the link `aevp serve` printed "
                "(…/?token=…), or send `Authorization: Bearer <token>`"
            )
            await self.refuse(scope, receive, send, 401, detail, {"WWW-Authenticate": 'Bearer realm="aevp"'})
            return
        origin = headers.get("origin")
        if (websocket or method in STATE_CHANGING) and origin is not None:
            # A token in the request itself is no cross-site request (no page knows it); a cookie could be.
            if not origin_allowed(origin, host, self.settings.cors_origins) and (websocket or not explicit):
                detail = f"Origin {origin!r} is not allowed: use the lab at this server's address"
                await self.refuse(scope, receive, send, 403, detail)
                return
        if self.token and explicit and not cookie_ok:
            if not websocket and method == "GET" and _is_page(conn.url.path) and "token" in conn.query_params:
                # A link was opened: set the cookie and load the page again without the token in the address.
                await self.landing(conn)(scope, receive, send)
                return
            send = self.with_cookie(send, secure=conn.url.scheme in ("https", "wss"))
        await self.app(scope, receive, send)

    def host_allowed(self, host: str | None) -> bool:
        if host is None:
            return False
        name = strip_port(host)
        return self.any_host or name in self.hosts or (self.ip_hosts and is_ip(name))

    def token_matches(self, candidate: str | None) -> bool:
        return (
            bool(self.token) and candidate is not None and hmac.compare_digest(candidate.encode(), self.token.encode())
        )

    def explicit_token(self, conn: HTTPConnection) -> bool:
        """The token in the query (`?token=`) or in `Authorization: Bearer`."""
        auth = conn.headers.get("authorization", "")
        bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        return self.token_matches(conn.query_params.get("token")) or self.token_matches(bearer)

    def cookie_header(self, secure: bool) -> str:
        flags = f"; Max-Age={COOKIE_MAX_AGE_S}; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")
        return f"{COOKIE}={self.token}{flags}"

    def with_cookie(self, send: Send, secure: bool) -> Send:
        """Adds the cookie to the response, so a browser keeps working without the token in the URL."""
        cookie = self.cookie_header(secure).encode("latin-1")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie)]}
            await send(message)

        return send_with_cookie

    def landing(self, conn: HTTPConnection) -> Response:
        """A page that keeps the cookie and reloads itself without the token. It navigates by itself: a
        redirect from a link on another site would not carry a SameSite=Strict cookie."""
        query = urlencode([(k, v) for k, v in parse_qsl(conn.url.query, keep_blank_values=True) if k != "token"])
        target = escape(conn.url.path + (f"?{query}" if query else ""), quote=True)
        body = (
            f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={target}">'
            f'<title>AeVP</title><p>Signed in. <a href="{target}">Open the lab</a>.</p>'
        )
        response = HTMLResponse(body, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
        response.raw_headers.append((b"set-cookie", self.cookie_header(conn.url.scheme == "https").encode()))
        return response

    async def refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, detail: str, headers: dict | None = None
    ) -> None:
        log.info("refused %s %s: %s", scope["type"], scope.get("path"), detail)
        response = JSONResponse({"detail": detail}, status_code=status, headers=headers)
        if scope["type"] == "http":
            await response(scope, receive, send)
            return
        ws = WebSocket(scope, receive, send)
        try:
            await ws.send_denial_response(response)  # the client sees the status and the message
        except RuntimeError:
            await ws.close(1008)  # a server without the extension: a plain 403


def _preflight(method: str, headers: Headers) -> bool:
    """A CORS preflight carries no credentials by design; CORSMiddleware answers it."""
    return method == "OPTIONS" and "access-control-request-method" in headers


def _is_page(path: str) -> bool:
    return not path.startswith(("/api/", "/ws/"))
