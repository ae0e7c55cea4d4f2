"""Enforcement: cases and their history, strikes, suspensions, preservation holds, report packages.

Revision ID: 0003
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "enf_cases",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor_id", sa.String(256), nullable=True),
        sa.Column("country", sa.String(16), nullable=False),
        sa.Column("decision_id", sa.String(64), nullable=True),
        sa.Column("due_at", TS, nullable=True),
        sa.Column("assignee", sa.String(256), nullable=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_enf_cases_state_due", "enf_cases", ["state", "due_at"])
    op.create_index("ix_enf_cases_decision", "enf_cases", ["decision_id"])
    op.create_index("ix_enf_cases_actor", "enf_cases", ["actor_id"])
    op.create_index("ix_enf_cases_created", "enf_cases", ["created_at"])
    op.create_table(
        "enf_case_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(40), sa.ForeignKey("enf_cases.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("by", sa.String(256), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.UniqueConstraint("case_id", "seq", name="uq_enf_case_events_seq"),
    )
    op.create_table(
        "enf_strikes",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("actor_id", sa.String(256), nullable=False),
        sa.Column("decision_id", sa.String(64), nullable=True),
        sa.Column("rule_id", sa.String(128), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("weight", sa.Integer, nullable=False),
        sa.Column("country", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("reversed_at", TS, nullable=True),
        sa.Column("reversed_by", sa.String(256), nullable=True),
        sa.Column("reversal_note", sa.Text, nullable=True),
    )
    op.create_index("ix_enf_strikes_actor", "enf_strikes", ["actor_id", "created_at"])
    op.create_table(
        "enf_suspensions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("actor_id", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("strike_id", sa.String(40), nullable=True),
        sa.Column("decision_id", sa.String(64), nullable=True),
        sa.Column("rule_id", sa.String(128), nullable=True),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=True),
        sa.Column("lifted_at", TS, nullable=True),
        sa.Column("lifted_by", sa.String(256), nullable=True),
        sa.Column("lift_note", sa.Text, nullable=True),
    )
    op.create_index("ix_enf_suspensions_actor", "enf_suspensions", ["actor_id"])
    op.create_table(
        "enf_holds",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("decision_id", sa.String(64), nullable=True),
        sa.Column("actor_id", sa.String(256), nullable=True),
        sa.Column("country", sa.String(16), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("released_at", TS, nullable=True),
        sa.Column("released_by", sa.String(256), nullable=True),
        sa.Column("release_note", sa.Text, nullable=True),
    )
    op.create_index("ix_enf_holds_case", "enf_holds", ["case_id"])
    op.create_table(
        "enf_reports",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("package", sa.Text, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("sent_by", sa.String(256), nullable=True),
    )
    op.create_index("ix_enf_reports_case", "enf_reports", ["case_id"])
    op.create_table(
        "enf_audit",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("by", sa.String(256), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.String(256), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for name in ("enf_audit", "enf_reports", "enf_holds", "enf_suspensions", "enf_strikes",
                 "enf_case_events", "enf_cases"):
        op.drop_table(name)
