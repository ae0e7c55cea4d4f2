"""The HTTP service and the moderators' review console (FastAPI, uvicorn, Jinja2)."""

from __future__ import annotations

from garde.service.app import create_app
from garde.service.config import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]
