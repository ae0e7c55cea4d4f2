"""Run the service under uvicorn, with several worker processes when asked.

With ``--workers`` > 1, uvicorn's workers serve connections accepted on a listening
socket made by the supervisor, and asyncio did not set ``TCP_NODELAY`` on them: each
response (headers, then body, in two writes) then waited for the client's delayed ACK,
~40 ms on loopback, and 2 workers answered fewer requests per second than 1. Here
every connection gets ``TCP_NODELAY`` from the HTTP protocol itself
(:class:`NoDelayHttpToolsProtocol`; :class:`NoDelayH11Protocol` for the pure-Python parser),
whatever made the socket.

With several workers, each has its own listening socket on the same address
(``SO_REUSEPORT``), made once by the supervisor, so that the kernel spreads new connections
evenly over the workers. On uvicorn's one shared socket, whichever worker was waiting in
``accept`` took a burst of keep-alive connections: in the load benchmark all 12 connections
landed on one worker, which ran at one core while the other idled
(:class:`ReusePortSupervisor`).

The HTTP parser is httptools (C, llhttp) and the event loop uvloop (both declared
dependencies; uvicorn's ``loop="auto"`` picks uvloop), which spend less CPU per request than
the pure-Python h11 parser and the default asyncio loop (docs/service.md has the figures).

``python -m garde.service.serve --app module:factory [--app-dir DIR] ...`` runs any
app factory this way (the load benchmark uses it); ``garde serve`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors.multiprocess import Process

__all__ = ["NoDelayH11Protocol", "NoDelayHttpToolsProtocol", "ReusePortSupervisor", "http_protocol", "main", "run"]

log = logging.getLogger("garde.service")


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


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT``, so that others can bind the same address."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class ReusePortSupervisor:
    """Runs ``config.workers`` uvicorn workers, worker *i* serving its own ``SO_REUSEPORT`` socket *i*.

    The sockets are made here, once, and outlive the workers: a worker that dies (or stops
    answering uvicorn's health ping) is replaced by one serving the same socket, so the
    connections queued on it meanwhile are served, not refused. SIGINT and SIGTERM stop all
    workers; a worker that fails during start-up stops the supervisor (it would fail again).
    """

    def __init__(self, config: uvicorn.Config) -> None:
        self.config = config
        # SO_REUSEPORT would let a second server share a port that is already taken: a plain bind
        # first makes "address in use" an error, and picks the port when 0 was asked for
        with socket.socket(_family(config.host), socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((config.host, config.port))
            port = int(probe.getsockname()[1])
        self.sockets: list[socket.socket] = []
        try:
            for _ in range(config.workers):
                self.sockets.append(reuseport_socket(config.host, port))
        except OSError:
            for sock in self.sockets:
                sock.close()
            raise
        self.port = port
        self.processes: list[Process] = []
        self.should_exit = threading.Event()

    def _start(self, i: int) -> Process:
        p = Process(self.config, [self.sockets[i]])
        p.start()
        return p

    def run(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.should_exit.set())
        try:
            self.processes = [self._start(i) for i in range(len(self.sockets))]
            while not self.should_exit.wait(0.5):
                self._keep_alive()
            for p in self.processes:
                p.terminate()
            for p in self.processes:
                p.join()
        finally:
            for sock in self.sockets:
                sock.close()

    def _keep_alive(self) -> None:
        for i, p in enumerate(self.processes):
            if self.should_exit.is_set() or p.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            p.kill()  # dead or hung
            p.join()
            if p.exitcode == STARTUP_FAILURE:
                log.error("worker %s failed to start; stopping", p.pid)
                self.should_exit.set()
                return
            log.warning("worker %s died (exit code %s); starting another on the same socket", p.pid, p.exitcode)
            self.processes[i] = self._start(i)


def run(app: str, *, workers: int = 1, **kwargs: Any) -> None:
    """``uvicorn.run(app, workers=..., **kwargs)`` with TCP_NODELAY, and one SO_REUSEPORT socket per worker."""
    kwargs.setdefault("http", http_protocol())  # the event loop: uvicorn's "auto" picks uvloop, installed
    config = uvicorn.Config(app, workers=workers, **kwargs)
    if workers <= 1:
        uvicorn.Server(config).run()
        return
    ReusePortSupervisor(config).run()


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
    try:
        run(a.app, factory=True, host=a.host, port=a.port, workers=a.workers, log_level=a.log_level,
            access_log=not a.no_access_log)
    except OSError as e:
        print(f"error: cannot listen on {a.host}:{a.port}: {e.strerror or e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
