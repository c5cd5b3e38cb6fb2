"""Write the schema's SDL to ``schema.graphql`` (``python -m imalink.schema.export``).

``strawberry export-schema`` prints the same SDL (``Schema.as_str()``) but needs Strawberry's
``cli`` extra (typer) and a module-level schema object; this command needs neither, and the test
that keeps ``schema.graphql`` current compares against the same ``sdl()``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from imalink.schema.build import build_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def sdl() -> str:
    """The schema as SDL, exactly as committed in ``schema.graphql``."""
    return build_schema().as_str() + "\n"


def main() -> int:
    SCHEMA_FILE.write_text(sdl(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
