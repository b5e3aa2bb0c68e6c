"""Korean and English: complete catalogs, localized formats and names, every page and every
export in Korean, and the same numbers in both languages."""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import plotly.graph_objects as go
import pytest
from babel.messages.pofile import read_po
from PIL import Image
from pypdf import PdfReader

from atlas.cli import main as atlas_cli
from metrics.engine import kpi_table
from presentation import export, i18n
from presentation import format as fmt
from tests.apptest import figures, open_page, sample_filter
from tests.browser import looks_blank
from tests.cli import run_main
from ui import messages
from ui.page import PAGES

HANGUL = re.compile(r"[\uac00-\ud7a3]")
needs_chromium = pytest.mark.skipif(
    export.chrome_path() is None,
    reason="Chromium is not installed (Debian: apt-get install chromium); CI installs it",
)


def korean(text: str) -> bool:
    return bool(HANGUL.search(text or ""))


# ---------------------------------------------------------------- the catalogs
@pytest.mark.parametrize("lang", i18n.available()[1:])
def test_every_message_is_translated(lang):
    problems = messages.check(i18n.catalog_path(lang), messages.all_messages())
    assert not problems, "\n".join(f"{p.message!r}: {p.reason}" for p in problems)


def test_markers_only_take_literals():
    """``_()`` with a variable or an f-string would escape the catalog check: use ``translate``
    for values whose texts are marked elsewhere (``N_``, the registries)."""
    dynamic = [f"{u.path}:{u.line}" for u in messages.uses() if u.message is None]
    assert not dynamic, f"_() or N_() without a literal message: {dynamic}"


def test_the_check_reports_missing_and_broken_translations(tmp_path):
    po = tmp_path / "messages.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Volume"\nmsgstr "문의량"\n\n'
        'msgid "{hours} h"\nmsgstr "{hour}시간"\n\n'
        'msgid "Filters"\nmsgstr ""\n',
        encoding="utf-8",
    )
    problems = {p.message: p.reason for p in messages.check(po, ["Volume", "{hours} h",
                                                                 "Filters", "Trends"])}  # fmt: skip
    assert set(problems) == {"{hours} h", "Filters", "Trends"}
    assert problems["Filters"] == problems["Trends"] == "not translated"
    assert problems["{hours} h"].startswith("placeholders differ")


def test_the_template_lists_every_message(tmp_path):
    pot = tmp_path / "messages.pot"
    assert messages.write_template(pot) == len(messages.all_messages())
    assert 'msgid "Voice of the customer"' in pot.read_text(encoding="utf-8")
    with (i18n.LOCALES / "messages.pot").open("rb") as committed:
        ids = {m.id for m in read_po(committed) if m.id}
    assert ids == messages.all_messages(), "locales/messages.pot is stale: python -m ui.messages"


def test_a_third_language_is_one_more_catalog(tmp_path, monkeypatch):
    catalog = tmp_path / "de" / "LC_MESSAGES" / "messages.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                       'msgid "Trends"\nmsgstr "Entwicklung"\n', encoding="utf-8")  # fmt: skip
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    assert i18n.available() == ("en", "de")
    with i18n.using("de"):
        assert i18n.translate("Trends") == "Entwicklung"
        assert i18n.translate("Overview") == "Overview"  # untranslated: the English id
        assert i18n.country_name("KR") == "Südkorea"  # pycountry's own German name
        assert fmt.number(1204.5, 1) == "1.204,5"  # Babel: German separators
    assert i18n.native_name("de") == "Deutsch" and i18n.browser_language("de-AT") == "de"


# ---------------------------------------------------------------- formats and names
def test_formats_follow_the_language():
    day = dt.date(2026, 11, 26)
    english = (fmt.duration(12000), fmt.percent(0.874), fmt.count(1204), fmt.date(day),
               fmt.kpi_delta("csat", 0.023), fmt.weekdays()[0])  # fmt: skip
    assert english == ("3 h 20 m", "87.4 %", "1,204", "26 Nov 2026", "+2.3 pts", "Mon")
    with i18n.using("ko"):
        assert fmt.duration(12000) == "3시간 20분"
        assert fmt.duration(45) == "45초" and fmt.duration(2 * 86400 + 4 * 3600) == "2일 4시간"
        assert fmt.percent(0.874) == "87.4%"
        assert fmt.count(1204) == "1,204"
        assert fmt.date(day) == "2026년 11월 26일"
        assert fmt.weekdays()[0] == "월"
        assert fmt.kpi_label("frt_median") == "첫 응답 시간 (중앙값)"
        assert fmt.member("channel", "web_form") == "웹 양식"
    assert i18n.current() == "en"  # ``using`` restores the language


def test_names_come_from_pycountry_translations():
    with i18n.using("ko"):
        assert i18n.country_name("KR") == "대한민국"
        assert i18n.country_name("JP") == "일본"
        assert i18n.language_name("ko") == "한국어"
        assert fmt.member("country", "US") == "미국"
    assert i18n.country_name("KR") == "South Korea" and i18n.language_name("ko") == "Korean"


def test_holiday_names_follow_the_language_where_the_calendar_has_it():
    lunar_new_year, coming_of_age = dt.date(2026, 2, 17), dt.date(2026, 1, 12)
    assert fmt.holiday_name("KR", lunar_new_year, "Korean New Year") == "Korean New Year"
    with i18n.using("ko"):
        assert fmt.holiday_name("KR", lunar_new_year, "Korean New Year") == "설날"
        # the holidays package has no Korean names for Japan: English stays
        assert fmt.holiday_name("JP", coming_of_age, "Coming of Age Day") == "Coming of Age Day"


def test_korean_peak_page_names_korean_holidays_in_korean(use_sample):
    at = open_page("pages/5_Peak_season.py", {"lang": "ko", "country": "KR", "period": "last_365d"})
    assert not at.exception, [e.message for e in at.exception]
    shown = set().union(*(frame.value.astype(str).to_numpy().ravel() for frame in at.dataframe))
    assert "추석" in shown and "설날" in shown


@pytest.mark.parametrize(
    ("browser", "lang"),
    [("ko-KR", "ko"), ("ko", "ko"), ("en-GB", "en"), ("fr-FR", "en"), (None, "en"), ("", "en")],
)
def test_the_default_follows_the_browser(browser, lang):
    assert i18n.browser_language(browser) == lang


# ---------------------------------------------------------------- the app in Korean
@pytest.mark.parametrize("script", [p.script for p in PAGES])
def test_every_page_renders_in_korean(use_sample, script):
    at = open_page(script, {"lang": "ko", "country": "KR,JP", "period": "last_90d"})
    assert not at.exception, [e.message for e in at.exception]
    label = next(p.title for p in PAGES if p.script == script)
    with i18n.using("ko"):
        assert at.title[0].value.endswith(i18n.translate(label))
    assert korean(at.title[0].value)
    sidebar = [w.label for w in (*at.sidebar.selectbox, *at.sidebar.multiselect)]
    assert {"표시 언어", "기간", "국가", "언어"} <= set(sidebar), sidebar
    country = next(w for w in at.sidebar.multiselect if w.label == "국가")
    assert sorted(country.value) == ["JP", "KR"]
    summary = " ".join(c.value for c in at.caption)
    assert "대한민국" in summary and "일본" in summary  # the filter line names the markets
    main = [w.label for kind in ("selectbox", "radio", "slider", "toggle")
            for w in at.main.get(kind)]  # fmt: skip
    assert all(korean(label) or (label.isascii() and label.isupper()) for label in main), main


def test_overview_in_korean_names_countries_and_keeps_the_numbers(use_sample, sample_db):
    english = open_page("dashboard.py", {"period": "last_90d"})
    korean_page = open_page("dashboard.py", {"period": "last_90d", "lang": "ko"})
    assert not korean_page.exception
    table = kpi_table(sample_db, ["volume", "frt_median", "csat"],
                      flt=sample_filter("last_90d")).set_index("kpi")["value"]  # fmt: skip
    shown = {lang: {m.label: m.value for m in page.metric}
             for lang, page in (("en", english), ("ko", korean_page))}  # fmt: skip
    assert shown["en"]["Volume"] == shown["ko"]["문의량"] == fmt.count(table["volume"])
    assert shown["en"]["CSAT"] == fmt.percent(table["csat"])
    with i18n.using("ko"):
        assert shown["ko"]["첫 응답 중앙값"] == fmt.duration(table["frt_median"])
        assert shown["ko"]["CSAT"] == fmt.percent(table["csat"])
    hover = " ".join(figures(korean_page)[0].data[0].hovertext)
    assert "대한민국" in hover and "일본" in hover and "South Korea" not in hover
    links = [m.value for m in korean_page.markdown if "Trends?" in m.value]
    assert links and all("lang=ko" in link for link in links)  # a link keeps the language
    assert not any("lang=" in m.value for m in english.markdown if "Trends?" in m.value)


def test_markets_in_korean_lists_localized_countries(use_sample):
    at = open_page("pages/2_Markets.py", {"period": "last_90d", "lang": "ko"})
    assert not at.exception
    names = set(at.dataframe[0].value["name"])
    assert {"대한민국", "일본", "미국"} <= names
    assert any("대한민국" in s.value or "미국" in s.value for s in at.subheader)


def test_the_sidebar_switch_writes_the_language_into_the_url(use_sample):
    at = open_page("pages/1_Trends.py", {"country": "KR"})
    assert at.title[0].value.endswith("Trends") and "lang" not in at.query_params
    next(w for w in at.sidebar.selectbox if w.label == "Display language").set_value("ko").run()
    assert not at.exception
    assert at.query_params["lang"] == "ko" and at.query_params["country"] == "KR"
    assert at.title[0].value.endswith("추세")
    next(w for w in at.sidebar.selectbox if w.label == "표시 언어").set_value("en").run()
    assert "lang" not in at.query_params and at.title[0].value.endswith("Trends")


def test_a_korean_browser_gets_korean_without_a_url_parameter(use_sample, monkeypatch):
    monkeypatch.setattr(i18n, "browser_language", lambda locale: "ko")
    at = open_page("dashboard.py")
    assert at.title[0].value.endswith("개요") and "lang" not in at.query_params
    next(w for w in at.sidebar.selectbox if w.label == "표시 언어").set_value("en").run()
    assert at.query_params["lang"] == "en" and at.title[0].value.endswith("Overview")


def test_download_labels_in_korean(use_sample):
    at = open_page("pages/1_Trends.py", {"lang": "ko"})
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:5] == ["이미지 (PNG)", "벡터 (SVG)", "인터랙티브 (HTML)", "데이터 (CSV)",
                          "데이터 (XLSX)"]  # fmt: skip


# ---------------------------------------------------------------- exports in Korean
@pytest.fixture(scope="module")
def csat(sample_db) -> pd.DataFrame:
    return kpi_table(sample_db, ["csat"], by=["country"], flt=sample_filter(countries=("KR", "JP")))


def korean_context() -> export.Context:
    with i18n.using("ko"):
        return export.Context(title="국가별 CSAT", filters="국가: 일본, 대한민국", timezone="UTC",
                              data_as_of="2026-11-26", kpis=("csat",))  # fmt: skip


def test_csv_and_xlsx_speak_korean(csat):
    ctx = korean_context()
    assert ctx.lang == "ko"
    raw = export.csv_bytes(csat, ctx)
    assert raw.startswith("\ufeff국가,KPI,값,".encode())  # Excel needs the BOM for Hangul
    back = pd.read_csv(io.BytesIO(raw))
    assert list(back.columns[:3]) == ["국가", "KPI", "값"] and len(back) == len(csat)
    assert back["국가"].tolist() == csat["country"].tolist()  # codes stay codes
    sheets = pd.read_excel(io.BytesIO(export.xlsx_bytes(csat, ctx)), sheet_name=None)
    assert list(sheets) == ["데이터", "정보"]
    about = dict(zip(sheets["정보"]["내용"], sheets["정보"]["값"], strict=True))
    assert about["필터"] == "국가: 일본, 대한민국" and about["시간대"] == "UTC"
    with i18n.using("ko"):
        assert about["CSAT"] == fmt.kpi_definition("csat")
    # the language travels with the context: a download made in another thread stays Korean
    assert i18n.current() == "en" and list(sheets) == ["데이터", "정보"]


def _png(title: str) -> bytes:
    figure = go.Figure(go.Bar(x=[1, 2], y=[3, 4]))
    figure.update_layout(title={"text": title, "font": {"size": 60}}, width=300, height=200)
    return export.image_bytes(figure, "png", width=300, height=200, scale=1)


@needs_chromium
def test_png_draws_hangul_glyphs():
    """Without a Hangul font both titles would be the same missing-glyph box."""
    assert _png("가") != _png("나")


@needs_chromium
def test_a_korean_chart_exports_as_png_and_svg(csat):
    ctx = korean_context()
    with i18n.using("ko"):
        figure = export.with_context(fmt_bars(csat), ctx)
    assert "국가: 일본, 대한민국" in figure.layout.title.text
    png = export.image_bytes(figure, "png", width=900, height=500)
    assert Image.open(io.BytesIO(png)).size == (1800, 1000) and not looks_blank(png)
    svg = export.image_bytes(figure, "svg").decode()
    assert "대한민국" in svg and "시간대 UTC" in svg


def fmt_bars(table: pd.DataFrame) -> go.Figure:
    from presentation import charts

    return charts.bars(table, "csat", "country", target=0.85,
                       title=i18n.translate("CSAT by customer country"))  # fmt: skip


@needs_chromium
def test_cli_pack_pdf_in_korean(sample_path, tmp_path):
    out = tmp_path / "kr.pdf"
    result = run_main(atlas_cli, "pack", "--db", str(sample_path), "--from", "2026-10-01",
                      "--to", "2026-10-31", "--where", "country=KR", "--lang", "ko", "--out",
                      str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    assert korean(text)
    squashed = re.sub(r"\s+", "", text)  # the extractor spaces CJK text its own way

    def shown(phrase: str) -> bool:
        return re.sub(r"\s+", "", phrase) in squashed

    assert shown("Service Atlas 리뷰 팩")
    assert shown("2026년 10월 1일 – 2026년 10월 31일 · 국가: 대한민국")
    for label in ("첫 문의 해결률", "SLA 달성률", "주요 발견", "대한민국: 채널과 문의 유형", "정의",
                  "9쪽 중 9쪽", "확인이 필요한 사항", "인력 배치: 배정 인원 − 필요 인원",
                  "고객이 하는 말"):  # fmt: skip
        assert shown(label), label
    assert not shown("First contact resolution")


def test_cli_pack_html_in_korean_and_unknown_languages(sample_path, tmp_path):
    out = tmp_path / "jp.html"
    result = run_main(atlas_cli, "pack", "--db", str(sample_path), "--where", "country=JP",
                      "--lang", "ko", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<html lang='ko'>" in page and "국가: 일본" in page and "Noto Sans CJK KR" in page
    bad = run_main(atlas_cli, "pack", "--db", str(sample_path), "--lang", "xx", "--out",
                   str(tmp_path / "p.html"))  # fmt: skip
    assert bad.returncode == 2 and "--lang" in bad.stderr
