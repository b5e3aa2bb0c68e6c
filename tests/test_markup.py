"""Text from users and the data is shown as text: never a link, in Markdown or in a chart.

The fixture: 160 tickets, four a day from 1 March to 9 April 2025, half in a hub named like a
phishing link, half in a contact reason written as an HTML link, a few in a channel named like a
Markdown link; a survey for each, every third comment quoting the phishing link; and an import
record of a file named like it. Markdown draws a link from an unescaped '[' (``[text](url)``),
an unescaped '<' (``<https://...>``) or a bare address (``evil.example``): ``shown_as_text``
checks for none of these and for the text escaped by ``fmt.escape_markdown``. Plotly draws
``<a href>`` in labels and hovers: figures must carry it as ``&lt;a``.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from data_access import store
from data_access.importer import privacy
from metrics.engine import kpi_table
from presentation import charts, export
from presentation import format as fmt
from tests.apptest import figures, open_page
from tests.browser import (
    chromium,
    link_hosts,
    open_app,
    skip_without_chromium,
    streamlit_server,
)
from tests.conftest import write_rows
from tests.importer_helpers import KEY, csv_text, ticket_row
from ui.page import PAGES

SCRIPTS = [p.script for p in PAGES]
LINK = "[Session expired – log in again](https://evil.example)"
FILE = f"{LINK}.csv"
HTML_LINK = '<a href="https://evil.example">Refund status</a>'
CHANNEL = "[Chat](https://evil.example)"
START = dt.datetime(2025, 3, 1, 8, tzinfo=dt.UTC)


def ticket(number: int) -> dict:
    created = START + dt.timedelta(hours=6 * number)
    return {
        "ticket_id": f"T{number:03d}", "customer_id": f"C{number % 30}", "created_at": created,
        "first_response_at": created + dt.timedelta(minutes=20),
        "resolved_at": created + dt.timedelta(hours=2), "status": "solved",
        "channel": CHANNEL if number % 40 == 0 else ("chat", "email", "messaging")[number % 3],
        "country": ("DE", "US", "JP")[number % 3], "language": ("de", "en", "ja")[number % 3],
        "priority": "normal", "category": ("shipping", HTML_LINK)[number % 2],
        "hub": ("EMEA", LINK)[number // 2 % 2], "agent_id": f"agent-{number % 5}",
        "agent_replies": 1, "reopens": 0, "handle_seconds": 300.0, "bot_resolved": number % 4 == 0,
    }  # fmt: skip


def survey(row: dict, number: int) -> dict:
    return {"survey_id": f"S{number:03d}", "ticket_id": row["ticket_id"],
            "sent_at": row["resolved_at"], "responded_at": row["resolved_at"],
            "csat": 1 + number % 5, "nps": number % 11, "ces": 1 + number % 7,
            "comment": f"Refund? {LINK}" if number % 3 == 0 else "Quick and kind"}  # fmt: skip


TICKETS = [ticket(n) for n in range(160)]
SURVEYS = [survey(row, n) for n, row in enumerate(TICKETS)]


@pytest.fixture(scope="module")
def hostile_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rows above, written the way the importer writes an import of ``FILE``."""
    path = tmp_path_factory.mktemp("markup") / "markup.duckdb"
    with store.rewrite(path, f"imported data; last import: tickets from {FILE}",
                       copy_existing=False) as con:  # fmt: skip
        con.register("rows_t", pd.DataFrame(TICKETS))
        con.execute("INSERT INTO tickets BY NAME SELECT * FROM rows_t")
        con.register("rows_s", pd.DataFrame(SURVEYS))
        con.execute("INSERT INTO surveys BY NAME SELECT * FROM rows_s")
        store.record_import(con, "tickets", FILE, "csv", {"rows_read": 160, "rows_loaded": 160},
                            {})  # fmt: skip
    return path


@pytest.fixture
def use_hostile(monkeypatch: pytest.MonkeyPatch, hostile_path: Path) -> Path:
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(hostile_path))
    return hostile_path


def shown_as_text(body: str, text: str) -> bool:
    """``text`` is in the Markdown ``body`` escaped, and nothing in ``body`` draws a link."""
    return fmt.escape_markdown(text) in body and not (
        re.search(r"(?<!\\)[\[\]<]", body) or "evil.example" in body
    )


def figure_strings(fig: go.Figure) -> str:
    """Every text a figure draws (labels, names, hovers, titles, annotations), joined; not its
    ``customdata``, the codes a click filters on, which no hover here shows as text."""

    def walk(node: object):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for key, value in node.items():
                if key not in ("template", "customdata"):
                    yield from walk(value)
        elif isinstance(node, list | tuple) or (hasattr(node, "dtype") and node.dtype == object):
            for value in node:
                yield from walk(value)

    return "\n".join(walk(fig.to_plotly_json()))


# ---------------------------------------------------------------- the escaping itself
def test_escaped_markdown_keeps_every_character_and_no_syntax():
    escaped = fmt.escape_markdown(f"{LINK}\n# x *y* :red[z] $1$ <https://a.b> www.c.d e@f.g")
    assert escaped == (
        r"\[Session expired – log in again\]\(https\:\/\/evil" + "\u2060" + r"\.example\) \# x "
        r"\*y\* \:red\[z\] \$1\$ \<https\:\/\/a" + "\u2060" + r"\.b\> www" + "\u2060" + r"\.c"
        + "\u2060" + r"\.d e\@f" + "\u2060" + r"\.g"
    )  # fmt: skip
    # what Markdown shows: the escapes dropped, the invisible word joiners in place
    assert re.sub(r"\\(.)", r"\1", escaped).replace("\u2060", "") == LINK + " # x *y* " + (
        ":red[z] $1$ <https://a.b> www.c.d e@f.g"
    )


def test_chart_markup_keeps_the_builders_tags_only():
    text = f"<b>{HTML_LINK}</b><br><i>x</i> <sup>1</sup> a<b <span style='font-size:99px'>"
    assert fmt.escape_chart_markup(text) == (
        '<b>&lt;a href="https://evil.example">Refund status&lt;/a></b><br><i>x</i> <sup>1</sup> '
        "a&lt;b &lt;span style='font-size:99px'>"
    )


# ---------------------------------------------------------------- Markdown on the pages
@pytest.mark.parametrize("script", SCRIPTS)
def test_an_imported_file_name_is_text_in_every_sidebar(use_hostile, script):
    at = open_page(script)
    assert not at.exception, [e.message for e in at.exception]
    source = next(c.value for c in at.sidebar.caption if c.value.startswith("Data through"))
    assert shown_as_text(source, FILE)


def test_the_data_page_shows_the_file_name_as_text(use_hostile):
    at = open_page("pages/9_Data.py")
    source = next(m.value for m in at.markdown if m.value.startswith("**Source:**"))
    assert shown_as_text(source, FILE)
    duplicates = next(m for m in at.metric if m.label == "Duplicate ids refused (last import)")
    assert shown_as_text(duplicates.help, FILE)
    history = next(d.value for d in at.dataframe if "source_file" in d.value.columns)
    assert history["source_file"].tolist() == [FILE]  # a table shows it exactly as written


def test_a_hub_in_the_filter_line_is_text(use_hostile):
    at = open_page("dashboard.py", {"hub": LINK})
    assert not at.exception
    line = next(c.value for c in at.main.caption if fmt.escape_markdown("Hub: ") in c.value)
    assert shown_as_text(line, f"Hub: {fmt.code_label(LINK)}")


def test_a_searched_phrase_is_text(use_hostile):
    at = open_page("pages/4_Voice_of_the_customer.py", {"q": LINK})
    assert not at.exception
    found = next(c.value for c in at.caption if "comments containing" in c.value)
    assert shown_as_text(found.split("containing", 1)[1], f"“{LINK}”")


def test_a_channel_in_a_message_is_text(use_hostile):
    at = open_page("pages/3_Channels.py", {"channel": CHANNEL})
    assert not at.exception
    bot = next(i.value for i in at.info if i.value.startswith("The bot answers"))
    assert shown_as_text(bot, fmt.member("channel", CHANNEL))


# ---------------------------------------------------------------- charts
@pytest.mark.parametrize(
    ("script", "query"),
    [("pages/1_Trends.py", {"split": "category"}),  # legend, hover
     ("pages/3_Channels.py", {"handoff_by": "category"})],  # bar labels, bold hover titles
)  # fmt: skip
def test_chart_texts_from_the_data_cannot_link(use_hostile, script, query):
    at = open_page(script, query)
    assert not at.exception, [e.message for e in at.exception]
    texts = "\n".join(figure_strings(f) for f in figures(at))
    assert "<a " not in texts.lower()
    assert fmt.escape_chart_markup(HTML_LINK) in texts


def test_exported_figures_keep_data_texts_inert(hostile_path):
    from data_access.database import Database
    from data_access.filters import Filter

    table = kpi_table(Database(hostile_path), ["volume"], by=["category"], flt=Filter())
    assert set(table["category"]) == {"shipping", HTML_LINK}
    ctx = export.Context(title="Volume by contact reason", filters=f"Contact reason: {HTML_LINK}")
    figure = export.with_context(charts.bars(table, "volume", "category"), ctx)
    texts = figure_strings(figure)
    assert "<a " not in texts.lower()
    assert f"Contact reason: {fmt.escape_chart_markup(HTML_LINK)}" in figure.layout.title.text
    assert list(figure.data[0].customdata) == list(table["category"])  # clicks filter on codes


# ---------------------------------------------------------------- the import page
def test_an_uploaded_file_name_is_text_on_the_import_page(tmp_path, monkeypatch):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(uploads))
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    path = write_rows(tmp_path / "atlas.duckdb", TICKETS[:20])
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(path))
    at = open_page("pages/7_Import_data.py")
    content = csv_text([ticket_row("u1", Group=LINK), ticket_row("u2")]).encode()
    at.file_uploader(key="import_upload").set_value((FILE, content, "text/csv"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    described = next(c.value for c in at.caption if c.value.startswith(":material/description:"))
    assert shown_as_text(described.removeprefix(":material/description:"), FILE)
    next(b for b in at.button if b.label.startswith("Import into")).click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert shown_as_text(at.success[0].value, FILE)
    source = next(c.value for c in at.sidebar.caption if c.value.startswith("Data through"))
    assert shown_as_text(source, FILE)


# ---------------------------------------------------------------- in a real browser
@pytest.mark.browser
def test_no_page_draws_a_link_to_the_data_in_chromium(hostile_path):
    """What AppTest cannot show: Streamlit's Markdown and plotly, drawn, make no link of it."""
    skip_without_chromium()
    views = ["/?hub=" + LINK, "/Data", "/Trends?split=category",
             "/Voice_of_the_customer?q=" + LINK, "/Channels?handoff_by=category"]  # fmt: skip
    with streamlit_server({"SERVICE_ATLAS_DB": str(hostile_path)}) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 2400})
        for view in views:
            open_app(page, url + view)
            assert "Session expired – log in again" in page.inner_text("body"), view
            assert "evil.example" not in link_hosts(page), view
