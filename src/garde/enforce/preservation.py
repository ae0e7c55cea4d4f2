"""Where preserved evidence bytes go, when the operator configures it (``GARDE_PRESERVATION_DIR``).

Without a preservation store garde keeps hashes only: holds, packages and logs
never contain image bytes. With one, the input images of a ``block_and_report``
decision are written there under their sha256 and deleted when the hold is
released.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Protocol

from garde.errors import InputError, NotFound, StoreError

__all__ = ["FilePreservationStore", "InMemoryPreservationStore", "PreservationStore", "from_env"]

_HEX = set("0123456789abcdef")


def _check(sha256: str) -> str:
    if len(sha256) != 64 or not set(sha256) <= _HEX:
        raise InputError(f"not a sha256 hex digest: {sha256!r}")
    return sha256


class PreservationStore(Protocol):
    def put(self, data: bytes) -> str: ...

    def get(self, sha256: str) -> bytes: ...

    def delete(self, sha256: str) -> None: ...


class InMemoryPreservationStore:
    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        with self._lock:
            self._data[sha] = bytes(data)
        return sha

    def get(self, sha256: str) -> bytes:
        try:
            return self._data[_check(sha256)]
        except KeyError:
            raise NotFound(f"no preserved file {sha256!r}") from None

    def delete(self, sha256: str) -> None:
        with self._lock:
            self._data.pop(_check(sha256), None)


class FilePreservationStore:
    """Files named by their sha256 in a directory the operator secures (mode 0700)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as e:
            raise StoreError(f"preservation directory {str(self.root)!r} cannot be created: {e.strerror}") from None

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        path = self.root / sha
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.chmod(tmp, 0o600)
            tmp.replace(path)
        return sha

    def get(self, sha256: str) -> bytes:
        path = self.root / _check(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"no preserved file {sha256!r} in {str(self.root)!r}") from None

    def delete(self, sha256: str) -> None:
        (self.root / _check(sha256)).unlink(missing_ok=True)


def from_env() -> PreservationStore | None:
    d = os.environ.get("GARDE_PRESERVATION_DIR")
    return FilePreservationStore(d) if d else None
