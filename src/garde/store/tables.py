"""Table definitions (SQLAlchemy Core). Migrations under ``migrations/`` create them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# The hash-chained decision log. ``seq`` orders the chain; ``digest`` is
# sha256(prev_digest || record), so editing, reordering or deleting a record
# breaks the chain at that record. ``log_head`` holds the last seq and digest so
# that deleting the newest records is caught too.
decisions = Table(
    "decisions",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("decision_id", String(64), nullable=False, unique=True),
    Column("request_id", String(64), nullable=False),
    Column("parent_decision_id", String(64), nullable=True),
    Column("stage", String(16), nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor_id", String(256), nullable=False),
    Column("country", String(16), nullable=False),
    Column("tier", String(64), nullable=False),
    Column("surface", String(64), nullable=False),
    Column("policy_digest", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("record", Text, nullable=False),
    Column("prev_digest", String(64), nullable=False),
    Column("digest", String(64), nullable=False),
)
Index("ix_decisions_actor", decisions.c.actor_id, decisions.c.created_at)
Index("ix_decisions_request", decisions.c.request_id)

log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False),
)

# Hashes of the images a decision saw (inputs) or released (outputs): never the bytes.
decision_images = Table(
    "decision_images",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("decision_id", String(64), nullable=False, index=True),
    Column("role", String(16), nullable=False),  # input | output
    Column("sha256", String(64), nullable=False, index=True),
    Column("pdq", String(64), nullable=True),
    Column("pdq_quality", Integer, nullable=True),
    Column("country", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
