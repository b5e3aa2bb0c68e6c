"""Exports: real images, files that state what they show, safe spreadsheets, the review pack."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

from atlas.cli import main as atlas_cli
from data_access.filters import Filter
from metrics.engine import kpi_table
from metrics.registry import KPIS
from presentation import charts, export
from reports import pack
from tests.apptest import open_page
from tests.browser import looks_blank
from tests.cli import run_main
from tests.conftest import SAMPLE_END

needs_chromium = pytest.mark.skipif(
    export.chrome_path() is None,
    reason="Chromium is not installed (Debian: apt-get install chromium); CI installs it",
)
needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice Calc is not installed (Debian: apt-get install libreoffice-calc-nogui)",
)
FLT = Filter(start=SAMPLE_END - dt.timedelta(days=27), end=SAMPLE_END, countries=("KR", "JP"))
CTX = export.Context(title="CSAT by country", filters="Country: Japan, South Korea",
                     timezone="UTC", data_as_of="2026-11-26", kpis=("csat",))  # fmt: skip


@pytest.fixture(scope="module")
def csat(sample_db) -> pd.DataFrame:
    return kpi_table(sample_db, ["csat"], by=["country"], flt=FLT)


@needs_chromium
def test_png_is_a_real_image_of_the_requested_size(csat):
    figure = export.with_context(charts.bars(csat, "csat", "country", target=0.85), CTX)
    png = export.image_bytes(figure, "png", width=900, height=500, scale=2)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1800, 1000)
    assert not looks_blank(png)


@needs_chromium
def test_svg_and_html_carry_the_context(csat):
    figure = export.with_context(charts.bars(csat, "csat", "country"), CTX)
    svg = export.image_bytes(figure, "svg").decode()
    assert svg.lstrip().startswith("<svg") and "Country: Japan, South Korea" in svg
    assert "data through 2026-11-26" in svg


def test_html_is_self_contained(csat):
    page = export.html_bytes(export.with_context(charts.bars(csat, "csat", "country"), CTX))
    text = page.decode()
    assert "Plotly.newPlot" in text and "Country: Japan, South Korea" in text
    assert 'src="https://cdn.plot.ly' not in text  # plotly.js is inline: works offline


def test_csv_is_the_table_alone_and_pandas_reads_it_with_defaults(csat):
    raw = export.csv_bytes(csat, CTX)
    assert raw.startswith(b"\xef\xbb\xbfcountry,kpi,value,")  # BOM, then the header row
    assert b"#" not in raw and b"Japan, South Korea" not in raw  # the context is in the XLSX
    back = pd.read_csv(io.BytesIO(raw))
    assert list(back.columns) == list(csat.columns) and len(back) == len(csat)
    assert back["country"].tolist() == csat["country"].tolist()
    assert np.allclose(back["value"], csat["value"], equal_nan=True)
    assert back["n"].tolist() == csat["n"].tolist()


def test_xlsx_reads_back_with_definitions(csat):
    sheets = pd.read_excel(io.BytesIO(export.xlsx_bytes(csat, CTX)), sheet_name=None)
    assert list(sheets) == ["Data", "About"]
    assert np.allclose(sheets["Data"]["value"], csat["value"])
    about = dict(zip(sheets["About"]["What"], sheets["About"]["Value"], strict=True))
    assert about["CSAT"] == KPIS["csat"].definition
    assert about["Filters"] == "Country: Japan, South Korea"


@pytest.mark.parametrize(
    ("cell", "written"),
    [("=1+2", "'=1+2"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("@SUM(A1)", "'@SUM(A1)"),
     ("-2+3", "'-2+3"), ("plain text", "plain text"), (-5, -5), (3.5, 3.5)],
)  # fmt: skip
def test_formulas_are_neutralised_in_spreadsheets(cell, written):
    frame = pd.DataFrame({"comment": [cell]})
    csv = pd.read_csv(io.BytesIO(export.csv_bytes(frame, CTX)))
    xlsx = pd.read_excel(io.BytesIO(export.xlsx_bytes(frame, CTX)))
    for back in (csv, xlsx):
        value = back["comment"].iloc[0]
        assert value == written or (isinstance(written, (int, float)) and float(value) == written)


# A survey comment with a bare CR (no quote, no comma): unquoted, a spreadsheet program would
# start a new row at the CR, with a cell holding the formula.
BARE_CR = "Fine\r=cmd|' /C calc'!A0"
HOSTILE = pd.DataFrame({
    "comment": [BARE_CR, "\r=1+2", "two\nlines", "=HYPERLINK(\"http://x\")", "plain"],
    "n": [1, 2, 3, 4, 5],
})  # fmt: skip
NEUTRALISED = [BARE_CR, "'\r=1+2", "two\nlines", "'=HYPERLINK(\"http://x\")", "plain"]
HOSTILE_CTX = export.Context(title="Comments", filters="Hub: EMEA\r=cmd|' /C calc'!A0",
                             timezone="UTC", data_as_of="2026-11-26")  # fmt: skip


def test_csv_cells_with_line_breaks_stay_one_quoted_field():
    text = export.csv_bytes(HOSTILE, HOSTILE_CTX).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["comment", "n"], *[[c, str(n)] for c, n in zip(NEUTRALISED, range(1, 6),
                                                                    strict=True)]]  # fmt: skip


@needs_libreoffice
def test_libreoffice_opens_the_csv_without_formulas(tmp_path: Path):
    source = tmp_path / "comments.csv"
    source.write_bytes(export.csv_bytes(HOSTILE, HOSTILE_CTX))
    # comma-separated, double quotes, UTF-8 (76), as chosen in Calc's text import dialog
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--infilter=CSV:44,34,76", "--convert-to", "xlsx", "--outdir", str(tmp_path),
         str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    sheet = openpyxl.load_workbook(tmp_path / "comments.xlsx").active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[0] == ["comment", "n"]  # the header is the first row: no context lines
    # Calc keeps a quoted cell's line break as LF
    assert [r[0] for r in table[1:]] == [c.replace("\r", "\n") for c in NEUTRALISED]
    assert [r[1] for r in table[1:]] == [1, 2, 3, 4, 5]


def test_file_names_carry_kpi_filters_and_date():
    name = export.file_name(CTX, "png")
    assert name.startswith("csat-by-country_country-japan-south-korea_") and name.endswith(".png")
    assert dt.date.today().isoformat() in name or dt.datetime.now(dt.UTC).date().isoformat() in name


# ---------------------------------------------------------------- the review pack
@needs_chromium
def test_cli_pack_pdf_for_one_market(sample_path, tmp_path):
    out = tmp_path / "kr.pdf"
    result = run_main(atlas_cli, "pack", "--db", str(sample_path), "--from", "2026-10-01",
                      "--to", "2026-10-31", "--where", "country=KR", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    reader = PdfReader(out)
    pages = [page.extract_text() for page in reader.pages]
    # summary, what needs attention, service quality, the market's channels, VoC, what
    # customers say, peaks, staffing, definitions
    assert len(pages) == 9
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [595, 842]  # A4 in pt
    for number, page in enumerate(pages, start=1):  # the footer on every page
        assert "01 Oct 2026 – 31 Oct 2026 · countries: South Korea" in page
        assert f"Page {number} of 9" in page and "data through" in page
    text = "\n".join(pages)
    for kpi in ("First contact resolution", "SLA attainment", "CSAT", "NPS"):
        assert kpi in pages[0]
    assert "Findings" in pages[0] and "targets missed" in pages[0]
    assert "What needs attention" in pages[1]
    assert "South Korea: channels and contact reasons" in pages[3]
    assert "What customers say" in pages[5] and "comments in Korean" in pages[5]
    assert "Germany" not in text and "Japan" not in text and "English" not in text
    assert "Definitions" in pages[-1]


def test_cli_pack_html_is_self_contained_and_filtered(sample_path, tmp_path):
    out = tmp_path / "jp.html"
    result = run_main(atlas_cli, "pack", "--db", str(sample_path), "--where", "country=JP",
                      "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert "countries: Japan" in page and "Plotly.newPlot" in page
    body = page[page.index("<body>") :]  # plotly.js itself names every country
    assert "Japan: channels and contact reasons" in body and "Germany" not in body
    # the last 28 days hold enough Japanese comments for a 'What customers say' page
    assert "@page { size: A4;" in page and body.count("<section class='page'>") == 9


def test_cli_pack_errors(sample_path, tmp_path):
    bad = run_main(atlas_cli, "pack", "--db", str(sample_path), "--out",
                   str(tmp_path / "pack.docx"))  # fmt: skip
    assert bad.returncode == 2 and "--out must end in .pdf or .html" in bad.stderr
    where = run_main(atlas_cli, "pack", "--db", str(sample_path), "--where", "planet=mars",
                     "--out", str(tmp_path / "p.html"))  # fmt: skip
    assert where.returncode == 2 and "KEY one of country" in where.stderr


def test_pdf_without_a_browser_says_what_is_missing(sample_path, tmp_path, monkeypatch):
    env = {"PATH": "/nonexistent", "BROWSER_PATH": "/nonexistent/chrome"}
    result = run_main(atlas_cli, "pack", "--db", str(sample_path), "--out",
                      str(tmp_path / "p.pdf"), env=env)  # fmt: skip
    assert result.returncode == 1 and "apt-get install chromium" in result.stderr
    monkeypatch.setattr(export, "chrome_path", lambda: None)
    with pytest.raises(RuntimeError, match="HTML, CSV and XLSX work without it"):
        pack.build_pdf(None, FLT)


# ---------------------------------------------------------------- in the app
def test_every_chart_offers_its_downloads(use_sample):
    at = open_page("pages/1_Trends.py")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:5] == ["Image (PNG)", "Vector (SVG)", "Interactive (HTML)", "Data (CSV)",
                          "Data (XLSX)"]  # fmt: skip


def test_without_chromium_image_buttons_explain(use_sample, monkeypatch):
    monkeypatch.setattr(export, "chrome_path", lambda: None)
    at = open_page("dashboard.py")
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert buttons["Image (PNG)"].disabled and buttons["Vector (SVG)"].disabled
    assert not buttons["Interactive (HTML)"].disabled and not buttons["Data (CSV)"].disabled
    assert any(export.MISSING_CHROME in c.value for c in at.caption)


def test_review_pack_builds_from_the_sidebar(use_sample):
    at = open_page("dashboard.py", {"country": "KR"})
    at.sidebar.radio(key="pack_format").set_value("HTML").run()
    next(b for b in at.sidebar.button if b.label == "Build the HTML").click().run()
    assert not at.exception
    download = next(b for b in at.get("download_button") if b.proto.label == "Download the HTML")
    assert download is not None


def test_kpi_columns_are_headed_as_on_screen_in_both_languages():
    assert export.header("frt_median") == "Median first response"
    assert export.header("sla") == "SLA attainment"
    assert export.header("csat_n") == "n (responses)"
    assert export.header("frt_median", "ko") == "첫 응답 중앙값"
    assert export.header("ci_low") == "ci_low" and export.header("market_share") == "market_share"
