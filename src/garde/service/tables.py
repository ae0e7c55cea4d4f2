"""The service's tables (SQLAlchemy Core); migration 0004 creates them."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, LargeBinary, MetaData, String, Table, Text

metadata = MetaData()

# API keys: only sha256 of the secret is kept; ``key_id`` is the public prefix of the key.
api_keys = Table(
    "service_api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("scopes", String(128), nullable=False),
    Column("secret_sha256", String(64), nullable=False),
    Column("rate", Float, nullable=True),
    Column("burst", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

# Console accounts: scrypt password hashes, a role, a preferred language.
users = Table(
    "service_users",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
)

# What people did in the console and with keys: logins, reveals, case actions. Ids and hashes only.
audit = Table(
    "service_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("who", String(128), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("detail", Text, nullable=False),
)
Index("ix_service_audit_subject", audit.c.subject, audit.c.at)

# Image bytes kept for a limited time so that moderators can review a case. Never for an apparent minor.
review_images = Table(
    "service_review_images",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("decision_id", String(64), nullable=False),
    Column("media_type", String(32), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_service_review_images_expires", review_images.c.expires_at)

# Secrets shared by every worker (the session signing key), created once.
secrets = Table(
    "service_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)
