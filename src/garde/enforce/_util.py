"""Small helpers shared by the enforcement modules."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from garde.errors import InputError

_COUNTRY_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


def now() -> datetime:
    return datetime.now(UTC)


def utc(dt: datetime) -> datetime:
    """Aware UTC (SQLite hands back naive datetimes; garde stores UTC only)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def utc_opt(dt: datetime | None) -> datetime | None:
    return None if dt is None else utc(dt)


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def check_country(country: str) -> str:
    c = country.strip().upper()
    if not _COUNTRY_RE.match(c):
        raise InputError(f"unknown country code {country!r}: expected ISO 3166 like 'FR' or 'US-CA' (or 'ZZ')")
    return c


def check_who(by: str, what: str = "by") -> str:
    b = by.strip() if isinstance(by, str) else ""
    if not b:
        raise InputError(f"{what} must name who acts (a moderator id), got {by!r}")
    return b
