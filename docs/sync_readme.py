"""Rewrite the README's generated sections (KPI table, data model) from the code.

    python -m docs.sync_readme

``tests/test_project.py`` fails when the README is out of date.
"""

from __future__ import annotations

import re
from pathlib import Path

from data_access.schema import markdown as data_model_markdown
from metrics.registry import kpi_markdown

README = Path(__file__).resolve().parent.parent / "README.md"
SECTIONS = {"kpis": kpi_markdown, "data-model": data_model_markdown}


def synced(text: str) -> str:
    for name, render in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"README has no {name} markers")
        text = pattern.sub(lambda m, r=render: m.group(1) + r() + m.group(2), text)
    return text


if __name__ == "__main__":
    README.write_text(synced(README.read_text()))
