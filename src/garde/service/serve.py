"""Run the service under uvicorn, with several worker processes when asked.

With ``--workers`` > 1, uvicorn's workers serve connections accepted on a listening
socket made by the supervisor, and asyncio did not set ``TCP_NODELAY`` on them: each
response (headers, then body, in two writes) then waited for the client's delayed ACK,
~40 ms on loopback, and 2 workers answered fewer requests per second than 1. Here
every connection gets ``TCP_NODELAY`` from the HTTP protocol itself
(:class:`NoDelayHttpToolsProtocol`; :class:`NoDelayH11Protocol` for the pure-Python parser),
whatever made the socket.

The HTTP parser is httptools (C, llhttp) and the event loop uvloop (both declared
dependencies; uvicorn's ``loop="auto"`` picks uvloop), which spend less CPU per request than
the pure-Python h11 parser and the default asyncio loop (docs/service.md has the figures).

``python -m garde.service.serve --app module:factory [--app-dir DIR] ...`` runs any
app factory this way (the load benchmark uses it); ``garde serve`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
from collections.abc import Sequence
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

__all__ = ["NoDelayH11Protocol", "NoDelayHttpToolsProtocol", "http_protocol", "main", "run"]


def _nodelay(transport: Any) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # not a TCP socket (a Unix socket): nothing to do
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that sets ``TCP_NODELAY`` on every connection it serves."""

    def connection_made(self, transport: Any) -> None:
        _nodelay(transport)
        super().connection_made(transport)


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that sets ``TCP_NODELAY`` on every connection it serves."""

    def connection_made(self, transport: Any) -> None:
        _nodelay(transport)
        super().connection_made(transport)


def http_protocol() -> type[Any]:
    """The HTTP protocol the service runs: httptools (a declared dependency), with TCP_NODELAY."""
    return NoDelayHttpToolsProtocol


def run(app: str, *, workers: int = 1, **kwargs: Any) -> None:
    """``uvicorn.run(app, workers=..., **kwargs)`` with TCP_NODELAY in every worker."""
    kwargs.setdefault("http", http_protocol())  # the event loop: uvicorn's "auto" picks uvloop, installed
    config = uvicorn.Config(app, workers=workers, **kwargs)
    if workers <= 1:
        uvicorn.Server(config).run()
        return
    sock = config.bind_socket()
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        pass
    finally:
        sock.close()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m garde.service.serve", description=__doc__.splitlines()[0])
    ap.add_argument("--app", default="garde.service.app:create_app", help="module:factory of the ASGI app")
    ap.add_argument("--app-dir", default=None, help="a directory to put first on sys.path")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--log-level", default="warning")
    ap.add_argument("--no-access-log", action="store_true")
    a = ap.parse_args(argv)
    if a.workers < 1:
        print(f"error: --workers must be at least 1, got {a.workers}", file=sys.stderr)
        return 2
    if a.app_dir:
        sys.path.insert(0, a.app_dir)
    run(a.app, factory=True, host=a.host, port=a.port, workers=a.workers, log_level=a.log_level,
        access_log=not a.no_access_log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
