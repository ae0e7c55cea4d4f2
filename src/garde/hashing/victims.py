"""The victim bank's intake from notice-and-action: a confirmed notice banks the output's hashes.

``garde.enforce`` calls :func:`add_victim_hash` when a moderator confirms a
notice; the hashes go to the ``victim_submitted`` bank named by
``GARDE_VICTIM_BANK`` (default ``victims``, created on first use), marked
reviewed (a moderator confirmed them) with the case id as provenance. Adding
them runs the retroactive takedown search like any other active entry.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

from garde.errors import NotFound
from garde.hashing.banks import BankStore, NewHash
from garde.store import Database

__all__ = ["VictimHashLike", "add_victim_hash", "victim_bank_name"]


class VictimHashLike(Protocol):
    sha256: str | None
    pdq: str | None
    case_id: str
    confirmed_by: str


def victim_bank_name() -> str:
    return os.environ.get("GARDE_VICTIM_BANK", "victims")


def add_victim_hash(vh: VictimHashLike, db: Database | None = None) -> str | None:
    """Bank a confirmed notice's hashes; returns the first new entry id (None if all were already banked)."""
    store = BankStore(db or Database())
    name = victim_bank_name()
    try:
        store.bank(name)
    except NotFound:
        store.create_bank(name, "victim_submitted", description="hashes of outputs confirmed through notices")
    tags = (f"case:{vh.case_id}",)
    hashes: list[NewHash] = []
    if vh.pdq:
        hashes.append(NewHash(hash_type="pdq", hash=vh.pdq, tags=tags))
    if vh.sha256:
        hashes.append(NewHash(hash_type="sha256", hash=vh.sha256, tags=tags))
    if not hashes:
        return None
    res: Any = store.add(name, hashes, submitted_by=vh.confirmed_by, reviewed=True, source=f"notice:{vh.case_id}")
    return str(res.added[0].id) if res.added else None
