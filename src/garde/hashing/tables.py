"""Tables of the hash banks (SQLAlchemy Core); migration ``0002_hash_banks`` creates them.

They live in their own ``MetaData`` so that the hashing package stays optional.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["hash_banks", "hash_entries", "hash_generation", "hash_takedowns", "hash_variants", "metadata"]

metadata = MetaData()
TS = DateTime(timezone=True)

hash_banks = Table(
    "hash_banks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),  # known_abuse | victim_submitted | protected | negative
    Column("threshold", Integer, nullable=False),
    Column("quality_floor", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("quarantine_over", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
)

# One row per banked hash; ``state`` is active or quarantined (counts as review until confirmed).
hash_entries = Table(
    "hash_entries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("bank_id", Integer, ForeignKey("hash_banks.id"), nullable=False),
    Column("hash_type", String(16), nullable=False),  # pdq | md5 | sha256
    Column("hash", String(64), nullable=False),
    Column("quality", Integer, nullable=True),
    Column("state", String(16), nullable=False),
    Column("tags", Text, nullable=False),  # JSON list of strings
    Column("source", String(256), nullable=False),
    Column("batch_id", String(40), nullable=False),
    Column("submitted_by", String(256), nullable=False),
    Column("submitted_at", TS, nullable=False),
    Column("reviewed", Boolean, nullable=False),
    Column("reviewed_by", String(256), nullable=True),
    Column("reviewed_at", TS, nullable=True),
    UniqueConstraint("bank_id", "hash_type", "hash", name="uq_hash_entries_bank_hash"),
)
Index("ix_hash_entries_hash", hash_entries.c.hash_type, hash_entries.c.hash)

# Extra PDQs of an entry banked from an image: its border crops (crop2.5, crop5, ...).
hash_variants = Table(
    "hash_variants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", String(40), ForeignKey("hash_entries.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("variant", String(16), nullable=False),
    Column("pdq", String(64), nullable=False),
)

# Retroactive takedowns already opened: one per (entry, decision), so re-running never duplicates a case.
hash_takedowns = Table(
    "hash_takedowns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", String(40), nullable=False),
    Column("decision_id", String(64), nullable=False),
    Column("case_id", String(40), nullable=True),
    Column("distance", Integer, nullable=False),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("entry_id", "decision_id", name="uq_hash_takedowns_entry_decision"),
)

# A counter bumped on every change to banks or entries: matchers rebuild their index when it moves.
hash_generation = Table(
    "hash_generation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("generation", BigInteger, nullable=False),
)
