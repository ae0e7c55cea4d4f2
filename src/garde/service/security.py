"""API keys, rate limits, console accounts, signed sessions and CSRF tokens.

* An API key looks like ``garde_<key_id>_<secret>``. Only ``sha256(secret)`` is stored,
  next to the public ``key_id``; comparison is constant-time.
* Scopes: ``check`` (the check endpoints), ``moderate`` (decisions, cases), ``admin``
  (everything). ``admin`` implies the others.
* Rate limits: a token bucket per key, in this process. With N workers a client can get
  up to N times the rate (see docs/service.md).
* Console passwords: ``hashlib.scrypt`` (n=2**14, r=8, p=1) with a 16-byte salt.
* Sessions: a cookie ``payload.signature`` signed with HMAC-SHA256; the signing key comes
  from ``GARDE_SECRET_KEY`` or is created once in the database and shared by all workers.
* CSRF: every console form and fetch carries ``hmac(key, "csrf|" + session nonce)``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets as pysecrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from garde.errors import InputError, NotFound, StoreError
from garde.service import tables
from garde.service.errors import Forbidden, RateLimited, Unauthorized
from garde.store import Database

__all__ = [
    "ROLES",
    "SCOPES",
    "ApiKey",
    "AuditTrail",
    "KeyStore",
    "RateLimiter",
    "Session",
    "SessionSigner",
    "User",
    "UserStore",
    "hash_password",
    "verify_password",
]

SCOPES = ("check", "moderate", "admin")
ROLES = ("viewer", "moderator", "admin")
KEY_PREFIX = "garde_"


def _now() -> datetime:
    return datetime.now(UTC)


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# --------------------------------------------------------------------- API keys


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKey:
    key_id: str
    name: str
    scopes: frozenset[str]
    rate: float | None = None
    burst: int | None = None
    created_at: datetime | None = None
    revoked: bool = False

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes or (scope == "check" and "moderate" in self.scopes)

    def to_dict(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "name": self.name, "scopes": sorted(self.scopes), "rate": self.rate,
                "burst": self.burst, "created_at": self.created_at.isoformat() if self.created_at else None,
                "revoked": self.revoked}


def parse_scopes(raw: str | list[str] | tuple[str, ...]) -> frozenset[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    out = frozenset(s.strip().lower() for s in items if s.strip())
    bad = sorted(out - set(SCOPES))
    if bad or not out:
        raise InputError(f"unknown scope {','.join(bad) or raw!r}; expected one or more of {', '.join(SCOPES)}")
    return out


class KeyStore:
    """API keys in the database, with a short in-process cache of verified keys."""

    def __init__(self, db: Database, cache_seconds: float = 5.0) -> None:
        self.db = db
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[ApiKey, str, float]] = {}
        self._lock = threading.Lock()

    def create(self, name: str, scopes: str | list[str], rate: float | None = None,
               burst: int | None = None) -> tuple[ApiKey, str]:
        """Create a key; returns it and the full secret, which is never stored or shown again."""
        if not name.strip() or len(name) > 128:
            raise InputError(f"key name {name!r} must be 1 to 128 characters")
        sc = parse_scopes(scopes)
        key_id = pysecrets.token_hex(6)
        secret = pysecrets.token_urlsafe(32)
        full = f"{KEY_PREFIX}{key_id}_{secret}"
        created = _now()
        with self.db.begin() as conn:
            conn.execute(tables.api_keys.insert().values(
                key_id=key_id, name=name.strip(), scopes=",".join(sorted(sc)),
                secret_sha256=hashlib.sha256(secret.encode()).hexdigest(), rate=rate, burst=burst,
                created_at=created, revoked_at=None))
        return ApiKey(key_id=key_id, name=name.strip(), scopes=sc, rate=rate, burst=burst, created_at=created), full

    @staticmethod
    def _row(row: Any) -> ApiKey:
        return ApiKey(key_id=row.key_id, name=row.name, scopes=frozenset(row.scopes.split(",")), rate=row.rate,
                      burst=row.burst, created_at=row.created_at, revoked=row.revoked_at is not None)

    def list(self) -> list[ApiKey]:
        with self.db.begin() as conn:
            rows = conn.execute(select(tables.api_keys).order_by(tables.api_keys.c.created_at)).all()
        return [self._row(r) for r in rows]

    def revoke(self, key_id: str) -> None:
        with self.db.begin() as conn:
            n = conn.execute(update(tables.api_keys).where(tables.api_keys.c.key_id == key_id)
                             .values(revoked_at=_now())).rowcount
        if not n:
            raise NotFound(f"no API key {key_id!r}")
        with self._lock:
            self._cache.pop(key_id, None)

    def authenticate_cached(self, presented: str) -> ApiKey | None:
        """:meth:`authenticate` without touching the database: the key when its row is cached and
        fresh, ``None`` when the database must be asked (call :meth:`authenticate` then)."""
        key_id, digest = self._split(presented)
        with self._lock:
            hit = self._cache.get(key_id)
        if hit is None or time.monotonic() - hit[2] > self.cache_seconds:
            return None
        return self._check(hit, digest)

    @staticmethod
    def _split(presented: str) -> tuple[str, str]:
        if not presented.startswith(KEY_PREFIX) or presented.count("_") < 2 or len(presented) > 200:
            raise Unauthorized("invalid API key")
        key_id, secret = presented[len(KEY_PREFIX):].split("_", 1)
        return key_id, hashlib.sha256(secret.encode()).hexdigest()

    @staticmethod
    def _check(hit: tuple[ApiKey, str, float], digest: str) -> ApiKey:
        key, stored, _ = hit
        if not hmac.compare_digest(stored, digest) or key.revoked:
            raise Unauthorized("invalid API key")
        return key

    def authenticate(self, presented: str) -> ApiKey:
        """The key for a presented secret, or Unauthorized. Never says which part was wrong."""
        key_id, digest = self._split(presented)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key_id)
        if hit is None or now - hit[2] > self.cache_seconds:
            with self.db.begin() as conn:
                row = conn.execute(select(tables.api_keys).where(tables.api_keys.c.key_id == key_id)).first()
            if row is None:
                raise Unauthorized("invalid API key")
            hit = (self._row(row), str(row.secret_sha256), now)
            with self._lock:
                self._cache[key_id] = hit
        return self._check(hit, digest)


class RateLimiter:
    """Token buckets per name (``rate`` tokens per second, ``burst`` capacity), in this process."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, name: str, rate: float, burst: int) -> None:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(name, (float(burst), now))
            tokens = min(float(burst), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[name] = (tokens, now)
                wait = (1.0 - tokens) / rate if rate > 0 else 60.0
                raise RateLimited(f"rate limit of {rate:g}/s (burst {burst}) exceeded for {name!r}", wait)
            self._buckets[name] = (tokens - 1.0, now)
            if len(self._buckets) > 100_000:  # bound memory: forget the oldest half
                for k in list(self._buckets)[: len(self._buckets) // 2]:
                    del self._buckets[k]


# --------------------------------------------------------------------- passwords and users

_SCRYPT = (2**14, 8, 1)


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise InputError("password must be at least 8 characters")
    n, r, p = _SCRYPT
    salt = pysecrets.token_bytes(16)
    dk = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(dk)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt, dk = stored.split("$")
        if algo != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(dk))


_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    name: str
    role: str
    lang: str = "en"
    disabled: bool = False

    def can(self, what: str) -> bool:
        """``view`` for every role; ``act`` and ``reveal`` for moderators and admins; ``admin``."""
        if self.disabled:
            return False
        if what == "view":
            return True
        if what in ("act", "reveal"):
            return self.role in ("moderator", "admin")
        return self.role == "admin"


class UserStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, name: str, role: str, password: str, lang: str = "en") -> User:
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
        if not name.strip() or len(name) > 128:
            raise InputError(f"user name {name!r} must be 1 to 128 characters")
        h = hash_password(password)
        try:
            with self.db.begin() as conn:
                conn.execute(tables.users.insert().values(name=name.strip(), role=role, password_hash=h, lang=lang,
                                                          created_at=_now(), disabled_at=None))
        except (IntegrityError, StoreError) as e:
            if isinstance(e, StoreError) and "UNIQUE" not in e.message.upper() and "unique" not in e.message:
                raise
            raise InputError(f"user {name!r} already exists") from None
        return User(name=name.strip(), role=role, lang=lang)

    def get(self, name: str) -> User | None:
        with self.db.begin() as conn:
            row = conn.execute(select(tables.users).where(tables.users.c.name == name)).first()
        if row is None:
            return None
        return User(name=row.name, role=row.role, lang=row.lang, disabled=row.disabled_at is not None)

    def list(self) -> list[User]:
        with self.db.begin() as conn:
            rows = conn.execute(select(tables.users).order_by(tables.users.c.name)).all()
        return [User(name=r.name, role=r.role, lang=r.lang, disabled=r.disabled_at is not None) for r in rows]

    def disable(self, name: str) -> None:
        with self.db.begin() as conn:
            n = conn.execute(update(tables.users).where(tables.users.c.name == name)
                             .values(disabled_at=_now())).rowcount
        if not n:
            raise NotFound(f"no console user {name!r}")

    def authenticate(self, name: str, password: str) -> User | None:
        with self.db.begin() as conn:
            row = conn.execute(select(tables.users).where(tables.users.c.name == name)).first()
        if row is None:
            verify_password(password, _DUMMY_HASH)  # same work whether or not the user exists
            return None
        if not verify_password(password, row.password_hash) or row.disabled_at is not None:
            return None
        return User(name=row.name, role=row.role, lang=row.lang)


# --------------------------------------------------------------------- sessions and CSRF


def shared_secret(db: Database, configured: str | None) -> bytes:
    """The signing key: the configured one, else one created once in the database for every worker."""
    if configured:
        return hashlib.sha256(configured.encode()).digest()
    with db.begin() as conn:
        row = conn.execute(select(tables.secrets.c.value).where(tables.secrets.c.name == "session_key")).first()
    if row is None:
        try:
            with db.begin() as conn:
                conn.execute(tables.secrets.insert().values(name="session_key", value=pysecrets.token_hex(32)))
        except (IntegrityError, StoreError):
            pass  # another worker created it first
        with db.begin() as conn:
            row = conn.execute(select(tables.secrets.c.value)
                               .where(tables.secrets.c.name == "session_key")).first()
    if row is None:
        raise StoreError("could not create the session signing key")
    return bytes.fromhex(str(row[0]))


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    user: str
    nonce: str
    expires: float


class SessionSigner:
    def __init__(self, key: bytes, hours: float = 8.0) -> None:
        self._key = key
        self.hours = hours

    def _sig(self, purpose: str, payload: str) -> str:
        return _b64(hmac.new(self._key, f"{purpose}|{payload}".encode(), hashlib.sha256).digest())

    def issue(self, user: str) -> tuple[str, Session]:
        s = Session(user=user, nonce=pysecrets.token_urlsafe(16), expires=time.time() + self.hours * 3600)
        payload = _b64(json.dumps({"u": s.user, "n": s.nonce, "e": s.expires}).encode())
        return f"{payload}.{self._sig('session', payload)}", s

    def read(self, cookie: str | None) -> Session | None:
        if not cookie or cookie.count(".") != 1 or len(cookie) > 2048:
            return None
        payload, sig = cookie.split(".")
        if not hmac.compare_digest(sig, self._sig("session", payload)):
            return None
        try:
            d = json.loads(_unb64(payload))
            s = Session(user=str(d["u"]), nonce=str(d["n"]), expires=float(d["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        return s if s.expires > time.time() else None

    def csrf_token(self, nonce: str) -> str:
        return self._sig("csrf", nonce)

    def check_csrf(self, nonce: str, token: str | None) -> None:
        if not token or not hmac.compare_digest(token, self.csrf_token(nonce)):
            raise Forbidden("missing or invalid CSRF token")

    # the login form has no session yet: a signed nonce in a cookie and the same token in the form
    def login_token(self) -> tuple[str, str]:
        nonce = pysecrets.token_urlsafe(16)
        return nonce, self._sig("login", nonce)

    def check_login_token(self, nonce: str | None, token: str | None) -> None:
        if not nonce or not token or not hmac.compare_digest(token, self._sig("login", nonce)):
            raise Forbidden("missing or invalid CSRF token")


# --------------------------------------------------------------------- audit trail


class AuditTrail:
    """Who did what in the console (logins, reveals, case actions): ids and hashes, never bytes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, who: str, kind: str, subject: str, **detail: Any) -> None:
        with self.db.begin() as conn:
            conn.execute(tables.audit.insert().values(at=_now(), who=who[:128], kind=kind[:32], subject=subject[:128],
                                                      detail=json.dumps(detail, sort_keys=True, default=str)))

    def events(self, subject: str | None = None, kind: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        q = select(tables.audit).order_by(tables.audit.c.id.desc()).limit(limit)
        if subject is not None:
            q = q.where(tables.audit.c.subject == subject)
        if kind is not None:
            q = q.where(tables.audit.c.kind == kind)
        with self.db.begin() as conn:
            rows = conn.execute(q).all()
        return [{"at": r.at.isoformat() if r.at else None, "who": r.who, "kind": r.kind, "subject": r.subject,
                 "detail": json.loads(r.detail)} for r in rows]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.events())
