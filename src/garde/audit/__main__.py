"""``python -m garde.audit SOURCE --out DIR`` (the same command as ``garde audit``)."""

from __future__ import annotations

import sys

from garde.errors import GardeError

if __name__ == "__main__":
    from garde.audit.cli import main

    try:
        main()
    except GardeError as e:
        print(f"error: {e.message}", file=sys.stderr)
        sys.exit(e.exit_code)
