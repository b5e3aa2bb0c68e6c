"""Every message id the interface can show, and the check that a catalog translates them all.

Two sources: literal arguments of ``_()`` and ``N_()`` in the UI code (read with ``ast``, so an
f-string or a variable inside ``_()`` is reported instead of silently missed), and the texts the
app translates at run time from data: KPI and dimension labels of the metrics registry, survey
question and band names, member names (channels, priorities, contact reasons, UN regions), the
retail-peak calendar, the data model's descriptions and the data-quality indicators.
``python -m ui.messages`` writes ``locales/messages.pot`` (the template a translator starts a new
language from) and lists what each catalog is missing.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pycountry
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("dashboard.py", "pages", "ui", "presentation", "reports")
MARKERS = {"_", "N_"}
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


@dataclass(frozen=True)
class Use:
    """A marker call found in the source."""

    path: str
    line: int
    message: str | None  # None: the argument is not a literal string


def source_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = ROOT / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def uses(files: Iterable[Path] | None = None) -> list[Use]:
    """Every ``_()``/``N_()`` call with its message (None when not a literal)."""
    found = []
    for path in files or source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in MARKERS and node.args):  # fmt: skip
                found.append(Use(str(path.relative_to(ROOT)), node.lineno,
                                 _literal(node.args[0])))  # fmt: skip
    return found


def data_messages() -> set[str]:
    """Texts translated at run time that are not literals in the UI code."""
    from data_access.retail_calendar import PEAK_RULES
    from data_access.schema import CHANNELS, PRIORITIES
    from metrics.engine import OTHER
    from metrics.registry import DIMENSIONS, KPIS
    from metrics.voc import QUESTIONS
    from presentation.format import member_message
    from ui.page import PAGES

    messages = {OTHER}
    for kpi in KPIS.values():
        messages |= {kpi.label, kpi.definition, kpi.tile_label, kpi.n_label, kpi.anchor_label}
    messages |= {d.label for d in DIMENSIONS.values()}
    messages |= {p.title for p in PAGES} | {p.intro for p in PAGES}
    for question in QUESTIONS.values():
        messages |= {question.label, *(band.label for band in question.bands)}
    messages.add("outside the scale")
    codes = [*CHANNELS, *PRIORITIES, *contact_reasons()]
    messages |= {member_message(code) for code in codes}
    messages |= {name for region in un_regions() for name in region}
    messages |= {rule.label for rule in PEAK_RULES} | {rule.description for rule in PEAK_RULES}
    messages |= schema_descriptions() | quality_texts()
    return {m for m in messages if m}


def schema_descriptions() -> set[str]:
    from data_access.schema import TABLES

    return {t.description for t in TABLES.values()} | {
        c.description for t in TABLES.values() for c in t.columns
    }


def quality_texts() -> frozenset[str]:
    """The Data page's indicator names and explanations."""
    from data_access.quality import INDICATORS

    return frozenset(text for _table, name, why in INDICATORS for text in (name, why))


def contact_reasons() -> tuple[str, ...]:
    """The contact reasons of the built-in sample (imported data may add its own)."""
    from data_access.sample.profile import CATEGORIES

    return tuple(CATEGORIES)


def un_regions() -> set[tuple[str, str]]:
    from data_access import reference

    return {reference.country_region(c.alpha_2) for c in pycountry.countries} - {
        ("Unknown", "Unknown")
    }


def all_messages() -> set[str]:
    """Every message id: the literals in the code and the data texts."""
    return {u.message for u in uses() if u.message} | data_messages()


def placeholders(text: str) -> set[str]:
    """'{days} d {hours} h' -> {'days', 'hours'}"""
    return set(PLACEHOLDER.findall(text))


@dataclass(frozen=True)
class Problem:
    message: str
    reason: str


def check(po_path: Path, messages: Iterable[str]) -> list[Problem]:
    """What ``po_path`` lacks: untranslated or fuzzy messages and mismatched placeholders."""
    with po_path.open("rb") as po:
        catalog = read_po(po)
    problems = []
    for message in sorted(set(messages)):
        entry = catalog.get(message)
        if entry is None or not entry.string:
            problems.append(Problem(message, "not translated"))
        elif entry.fuzzy:
            problems.append(Problem(message, "marked fuzzy"))
        elif placeholders(entry.string) != placeholders(message):
            problems.append(Problem(message, f"placeholders differ: {entry.string!r}"))
    return problems


def write_template(path: Path) -> int:
    """Write the template (.pot) with every message id; returns how many."""
    catalog = Catalog(project="Service Atlas", version="1", charset="utf-8",
                      header_comment="# Message template of the Service Atlas interface: copy it "
                      "to locales/<lang>/LC_MESSAGES/messages.po\n# and translate every msgstr "
                      "(see README.md, Languages).")  # fmt: skip
    for message in sorted(all_messages()):
        catalog.add(message)
    with path.open("wb") as pot:
        write_po(pot, catalog, width=100, omit_header=False, sort_output=True)
    return len(catalog)


def main() -> int:
    from presentation import i18n

    count = write_template(i18n.LOCALES / "messages.pot")
    print(f"{count} messages written to locales/messages.pot")
    messages = all_messages()
    failed = False
    for lang in i18n.available()[1:]:
        problems = check(i18n.catalog_path(lang), messages)
        failed = failed or bool(problems)
        print(f"{lang}: {len(problems)} problems")
        for problem in problems:
            print(f"  {problem.message!r}: {problem.reason}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
