"""Build the intersphinx inventories the book links against, from plain-text lists.

The book is built on machines without internet access, so Sphinx cannot download
``objects.inv`` from docs.python.org, numpy.org, matplotlib.org or pytorch.org.
Instead ``book/_intersphinx/<project>.txt`` lists, one per line, each API name the
book links to, its Sphinx role and its page relative to the project's documentation
root; this script compresses each list into the ``<project>.inv`` that
``_config.yml`` points intersphinx to. Links resolve to the official pages exactly
as with the downloaded inventories.

A line reads ``name domain:role location``; ``$`` in the location stands for the
name, as in Sphinx's own format. Run ``python -m tools.inventories`` after editing a
list; a test checks that every ``.inv`` matches its list.
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

INVENTORY_DIR = Path(__file__).resolve().parent.parent / "book" / "_intersphinx"
HEADER = "# Sphinx inventory version 2\n# Project: {project}\n# Version: stable\n# The remainder of this file is compressed using zlib.\n"


def entries(source: Path) -> list[str]:
    """The inventory lines of one list, in Sphinx's ``name domain:role priority location dispname`` form."""
    lines = []
    for number, raw in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3 or ":" not in parts[1]:
            raise ValueError(f"{source}:{number}: expected 'name domain:role location', got {raw!r}")
        name, role, location = parts
        lines.append(f"{name} {role} 1 {location} -")
    return lines


def render(source: Path) -> bytes:
    """The ``objects.inv`` bytes for one list."""
    body = "".join(line + "\n" for line in entries(source))
    return HEADER.format(project=source.stem).encode() + zlib.compress(body.encode(), 9)


def read_inventory(path: Path) -> list[str]:
    """The entry lines stored in an ``objects.inv`` file."""
    data = path.read_bytes()
    header_end = 0
    for _ in range(4):
        header_end = data.index(b"\n", header_end) + 1
    return zlib.decompress(data[header_end:]).decode().splitlines()


def main() -> int:
    for source in sorted(INVENTORY_DIR.glob("*.txt")):
        source.with_suffix(".inv").write_bytes(render(source))
        print(f"wrote {source.with_suffix('.inv').relative_to(INVENTORY_DIR.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
