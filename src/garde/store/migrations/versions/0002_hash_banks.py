"""Hash banks: banks, entries (with provenance and quarantine), crop variants, takedowns.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hash_banks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("quality_floor", sa.Integer, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("quarantine_over", sa.Integer, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "hash_entries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("bank_id", sa.Integer, sa.ForeignKey("hash_banks.id"), nullable=False),
        sa.Column("hash_type", sa.String(16), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("quality", sa.Integer, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
        sa.Column("batch_id", sa.String(40), nullable=False),
        sa.Column("submitted_by", sa.String(256), nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("reviewed", sa.Boolean, nullable=False),
        sa.Column("reviewed_by", sa.String(256), nullable=True),
        sa.Column("reviewed_at", TS, nullable=True),
        sa.UniqueConstraint("bank_id", "hash_type", "hash", name="uq_hash_entries_bank_hash"),
    )
    op.create_index("ix_hash_entries_hash", "hash_entries", ["hash_type", "hash"])
    op.create_table(
        "hash_variants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.String(40), sa.ForeignKey("hash_entries.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("variant", sa.String(16), nullable=False),
        sa.Column("pdq", sa.String(64), nullable=False),
    )
    op.create_table(
        "hash_takedowns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.String(40), nullable=False),
        sa.Column("decision_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=True),
        sa.Column("distance", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("entry_id", "decision_id", name="uq_hash_takedowns_entry_decision"),
    )
    gen = op.create_table(
        "hash_generation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("generation", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(gen, [{"id": 1, "generation": 0}])
    # retroactive takedown scans the released outputs' PDQs
    op.create_index("ix_decision_images_role_pdq", "decision_images", ["role", "pdq"])


def downgrade() -> None:
    op.drop_index("ix_decision_images_role_pdq", table_name="decision_images")
    op.drop_table("hash_generation")
    op.drop_table("hash_takedowns")
    op.drop_table("hash_variants")
    op.drop_index("ix_hash_entries_hash", table_name="hash_entries")
    op.drop_table("hash_entries")
    op.drop_table("hash_banks")
