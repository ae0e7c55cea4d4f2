"""Enforcement tables (SQLAlchemy Core). Migration ``0003_enforcement`` creates them.

They live on their own :class:`~sqlalchemy.MetaData` so that ``garde.store.tables``
stays the decision log's alone; all names start with ``enf_``.
"""

from __future__ import annotations

from sqlalchemy import (
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

__all__ = ["audit", "case_events", "cases", "holds", "metadata", "reports", "strikes", "suspensions"]

metadata = MetaData()

TS = DateTime(timezone=True)

cases = Table(
    "enf_cases",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor_id", String(256), nullable=True),
    Column("country", String(16), nullable=False),
    Column("decision_id", String(64), nullable=True),
    Column("due_at", TS, nullable=True),
    Column("assignee", String(256), nullable=True),
    Column("subject", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
)
Index("ix_enf_cases_state_due", cases.c.state, cases.c.due_at)
Index("ix_enf_cases_decision", cases.c.decision_id)
Index("ix_enf_cases_actor", cases.c.actor_id)
Index("ix_enf_cases_created", cases.c.created_at)

case_events = Table(
    "enf_case_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(40), ForeignKey("enf_cases.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", TS, nullable=False),
    Column("by", String(256), nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_state", String(16), nullable=True),
    Column("to_state", String(16), nullable=False),
    Column("note", Text, nullable=False),
    UniqueConstraint("case_id", "seq", name="uq_enf_case_events_seq"),
)

strikes = Table(
    "enf_strikes",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("actor_id", String(256), nullable=False),
    Column("decision_id", String(64), nullable=True),
    Column("rule_id", String(128), nullable=False),
    Column("category", String(64), nullable=False),
    Column("weight", Integer, nullable=False),
    Column("country", String(16), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("reversed_at", TS, nullable=True),
    Column("reversed_by", String(256), nullable=True),
    Column("reversal_note", Text, nullable=True),
)
Index("ix_enf_strikes_actor", strikes.c.actor_id, strikes.c.created_at)

suspensions = Table(
    "enf_suspensions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("actor_id", String(256), nullable=False),
    Column("kind", String(16), nullable=False),  # temporary | permanent
    Column("reason", Text, nullable=False),
    Column("strike_id", String(40), nullable=True),
    Column("decision_id", String(64), nullable=True),
    Column("rule_id", String(128), nullable=True),
    Column("starts_at", TS, nullable=False),
    Column("ends_at", TS, nullable=True),
    Column("lifted_at", TS, nullable=True),
    Column("lifted_by", String(256), nullable=True),
    Column("lift_note", Text, nullable=True),
)
Index("ix_enf_suspensions_actor", suspensions.c.actor_id)

holds = Table(
    "enf_holds",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("case_id", String(40), nullable=False),
    Column("decision_id", String(64), nullable=True),
    Column("actor_id", String(256), nullable=True),
    Column("country", String(16), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("released_at", TS, nullable=True),
    Column("released_by", String(256), nullable=True),
    Column("release_note", Text, nullable=True),
)
Index("ix_enf_holds_case", holds.c.case_id)

reports = Table(
    "enf_reports",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("case_id", String(40), nullable=False),
    Column("destination", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("package", Text, nullable=False),
    Column("sent_at", TS, nullable=True),
    Column("sent_by", String(256), nullable=True),
)
Index("ix_enf_reports_case", reports.c.case_id)

audit = Table(
    "enf_audit",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("at", TS, nullable=False),
    Column("by", String(256), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(64), nullable=False),
    Column("actor_id", String(256), nullable=True),
    Column("note", Text, nullable=False),
)
