"""Print or write the OpenAPI document: ``python -m garde.service.openapi [docs/openapi.json]``."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["openapi_document"]


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the service as built here (case endpoints when garde.enforce is installed)."""
    from garde.analyzers import FakeAnalyzer
    from garde.guard import Guard
    from garde.service.app import create_app
    from garde.service.config import ServiceSettings
    from garde.store import Database, InMemoryDecisionLog

    with tempfile.TemporaryDirectory() as d:
        db = Database(f"sqlite:///{Path(d) / 'openapi.db'}")
        try:
            app = create_app(guard=Guard(analyzers=[FakeAnalyzer()], log=InMemoryDecisionLog()), db=db,
                             settings=ServiceSettings())
            return app.openapi()
        finally:
            db.dispose()


def main(argv: list[str]) -> int:
    text = json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
