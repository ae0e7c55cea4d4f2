"""garde.service.serve: several uvicorn workers, each connection with TCP_NODELAY.

Without TCP_NODELAY a response written in two parts (headers, body) waits for the
client's delayed ACK; with 2 workers that capped the service at ~20 requests/s per
connection. The test asks the real socket, not a clock.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from garde.service.serve import NoDelayH11Protocol, NoDelayHttpToolsProtocol, http_protocol, main

APP = '''
import os
import socket

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = str(os.getpid()).encode() if scope["path"] == "/pid" else b"ok"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})

def factory():
    return app
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Transport:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str, default: object = None) -> object:
        return self.sock if name == "socket" else default


def test_the_fast_protocol_is_used() -> None:
    assert http_protocol() is NoDelayHttpToolsProtocol  # httptools is a declared dependency


@pytest.mark.parametrize("protocol", [NoDelayH11Protocol, NoDelayHttpToolsProtocol])
def test_protocol_sets_nodelay_on_the_connection(protocol: type) -> None:
    import uvicorn
    from uvicorn.server import ServerState

    config = uvicorn.Config(app=lambda *a: None, http=protocol)
    config.load()
    proto = protocol(config=config, server_state=ServerState(), app_state={})
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0) as lst:
        lst.bind(("127.0.0.1", 0))
        lst.listen()
        with socket.create_connection(lst.getsockname()) as client:
            conn, _ = lst.accept()
            with conn:
                assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
                # the protocol wants a full transport after the option is set; only the option matters here
                with contextlib.suppress(AttributeError, TypeError):
                    proto.connection_made(_Transport(conn))  # type: ignore[arg-type]
                assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
                assert client is not None


@pytest.mark.slow
def _start(tmp_path: Path, port: int, workers: int = 2) -> subprocess.Popen[bytes]:
    (tmp_path / "nodelay_app.py").write_text(APP, encoding="utf-8")
    return subprocess.Popen([sys.executable, "-m", "garde.service.serve", "--app", "nodelay_app:factory",
                             "--app-dir", str(tmp_path), "--port", str(port), "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _pids(port: int, n: int, proc: subprocess.Popen[bytes]) -> set[str]:
    """The worker pids answering ``n`` requests, each on a new connection (waits for the server)."""
    deadline, got = time.monotonic() + 60, set()
    while n:
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/pid", timeout=2)  # a new connection each time
            got.add(r.text)
            n -= 1
        except httpx.HTTPError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode() if proc.stderr else "no server") from None
            time.sleep(0.3)
    return got


def test_two_workers_share_the_connections(tmp_path: Path) -> None:
    port = _free_port()
    proc = _start(tmp_path, port)
    try:
        # each worker has its own SO_REUSEPORT socket, so the kernel spreads connections over both
        # (on one shared socket a burst of keep-alive connections could all go to one worker);
        # 40 connections all on one of 2 sockets: probability 2**-39
        pids = _pids(port, 40, proc)
        assert len(pids) == 2, pids
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=2).text == "ok"
        # a worker that dies is replaced, on the same socket: every connection is still answered
        os.kill(int(sorted(pids)[0]), signal.SIGKILL)
        time.sleep(0.5)
        after = _pids(port, 40, proc)
        assert len(after) == 2 and sorted(pids)[0] not in after, (pids, after)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert proc.returncode == 0


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _start(tmp_path, port)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert f"error: cannot listen on 127.0.0.1:{port}: Address already in use" in err.decode()
    assert "Traceback" not in err.decode()


def test_bad_worker_count_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--workers", "0"]) == 2
    assert "--workers must be at least 1, got 0" in capsys.readouterr().err
