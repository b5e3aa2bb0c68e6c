"""The attention digest: the findings of ``metrics.attention`` as a short e-mail (subject, plain
text, HTML) and a chat message (Slack/Teams incoming-webhook JSON), in the active language.

Only text is built here; ``reports.delivery`` writes and sends it. One line per finding, biggest
first (the findings arrive ranked), at most ``LIMIT`` of them. Values that come from the data or
the operator (member names, the why sentence, the title) are escaped for the format they go
into: ``html.escape`` in the HTML, ``fmt.escape_mrkdwn`` in the chat message. The HTML is one
self-contained document with inline styles only (mail clients drop style sheets), no scripts and
nothing loaded from elsewhere.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from metrics.attention import AttentionItem
from presentation import attention_words as words
from presentation import format as fmt
from presentation import i18n
from presentation.i18n import _

LIMIT = 10
DIGEST_DAYS = 7  # without dates: the last week of the data, for a daily or weekly cron job
ATTENTION_PATH = "Attention"  # the Attention page's URL path under the dashboard's address
# The dashboard's URL parameters (ui.filters, ui.language): each filter under its dimension's
# name (country, language, channel, hub), the period with its dates, the language.
LINK_DIMENSIONS = ("country", "language", "channel", "hub")
PERIOD_PARAM, CUSTOM_PERIOD, DATES_PARAM, LANG_PARAM = "period", "custom", "dates", "lang"
_FONT = "Arial, Helvetica, 'Noto Sans CJK KR', sans-serif"


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str  # the plain-text e-mail part
    html: str  # the HTML e-mail part: a whole document
    payload: dict[str, Any]  # JSON for a Slack or Teams incoming webhook


@dataclass(frozen=True)
class FindingLine:
    """One finding in words, unescaped (the digest's lines, the pack's attention page)."""

    scope: str  # 'Volume · Germany' (from the data: escape)
    what: str  # '310 a day against 70 – 95 expected (×3.40), since 16 Jun 2026, ongoing'
    sureness: str  # 'very likely'; '' for a missed target (measured, not inferred)
    why: str  # why it happened (``attention_words.why``; from the data: escape), or ''
    link: str  # the filtered Attention page, or ''

    def sentence(self, scope: str | None = None, why: str | None = None) -> str:
        """'Volume · Germany: 310 a day … ongoing — very likely. Why.'; ``scope`` and ``why``
        escaped for the format they go into (default: as they are, for plain text)."""
        why = self.why if why is None else why
        text = f"{self.scope if scope is None else scope}: {self.what}"
        if self.sureness:
            text += f" — {self.sureness}"
        return f"{text}. {why}".strip() if why else f"{text}."


def build_digest(items: list[AttentionItem], *, title_context: str, data_through: dt.date,
                 base_url: str | None) -> Digest:  # fmt: skip
    """The digest of ``items`` (ranked, biggest first) in the active language (wrap the call in
    ``presentation.i18n.using(lang)``). ``title_context`` names what was watched (a product, the
    filters); ``base_url`` is the dashboard's address for links (None: no links)."""
    base = base_url.rstrip("/") if base_url else None
    lines = [finding_line(item, base) for item in items[:LIMIT]]
    more = len(items) - len(lines)
    context = re.sub(r"\s+", " ", title_context).strip()  # one line: it heads the subject
    through = _("data through {date}").format(date=fmt.date(data_through))
    if items:
        summary = _("Needs attention: {count}").format(count=fmt.count(len(items)))
    else:
        summary = _("Nothing needs attention: no anomalies and no targets missed")
    subject = " · ".join(filter(None, (context, summary, through)))
    more_text = ""
    if more:
        more_text = _("{count} more on the Attention page.").format(count=fmt.count(more))
    more_link = f"{base}/{ATTENTION_PATH}" if more and base else ""
    return Digest(
        subject=subject,
        text=_text(lines, context, summary, through, more_text, more_link),
        html=_html(lines, subject, context, summary, through, more_text, more_link),
        payload=_payload(lines, context, summary, through, more_text, more_link),
    )


# ------------------------------------------------------------------ one finding
def finding_line(item: AttentionItem, base: str | None = None) -> FindingLine:
    """``item`` in words; ``base``: the dashboard's address for its link (None: no link)."""
    return FindingLine(scope=words.scope(item), what=f"{words.measured(item)}, {words.days(item)}",
                       sureness="" if item.kind == "target" else words.sureness(item.confidence),
                       why=". ".join(filter(None, (words.why(item), words.also(item)))),
                       link=_link(item, base) if base else "")  # fmt: skip


def _link(item: AttentionItem, base: str) -> str:
    """The Attention page filtered to the finding's market and days, in the digest's language."""
    params = {}
    if item.dimension in LINK_DIMENSIONS:
        params[item.dimension] = item.member
    params[PERIOD_PARAM] = CUSTOM_PERIOD
    params[DATES_PARAM] = f"{item.start.isoformat()}..{item.end.isoformat()}"
    params[LANG_PARAM] = i18n.current()
    return f"{base}/{ATTENTION_PATH}?{urlencode(params)}"


# ------------------------------------------------------------------ the three formats
def _text(lines: list[FindingLine], context: str, summary: str, through: str, more: str,
          more_link: str) -> str:  # fmt: skip
    out = [" · ".join(filter(None, (context, through))), summary, ""]
    for number, line in enumerate(lines, 1):
        out.append(f"{number}. {line.sentence()}")
        if line.link:
            out.append(f"   {line.link}")
    if more:
        out.append(f"{more} {more_link}".strip())
    return "\n".join(out).strip() + "\n"


def _html(lines: list[FindingLine], subject: str, context: str, summary: str, through: str,
          more: str, more_link: str) -> str:  # fmt: skip
    esc = html.escape
    link_style = "color:#0072B2"
    items = []
    for line in lines:
        body = line.sentence(f"<strong>{esc(line.scope)}</strong>", esc(line.why))
        if line.link:
            body += (f' <a href="{esc(line.link)}" style="{link_style}">'
                     f"{esc(_('Open in the dashboard'))}</a>")  # fmt: skip
        items.append(f'<li style="margin:0 0 10px">{body}</li>')
    listed = f'<ol style="margin:0;padding-left:22px">{"".join(items)}</ol>' if items else ""
    if more:
        more = esc(more)
        if more_link:
            more = f'<a href="{esc(more_link)}" style="{link_style}">{more}</a>'
        more = f'<p style="margin:8px 0 0">{more}</p>'
    heading = esc(context) or esc(summary)
    return (
        f'<!DOCTYPE html>\n<html lang="{i18n.current()}"><head><meta charset="utf-8">'
        f"<title>{esc(subject)}</title></head>"
        f'<body style="margin:0;padding:16px;font-family:{_FONT};font-size:14px;'
        f'line-height:1.45;color:#31333F;background:#ffffff">'
        f'<h1 style="font-size:18px;margin:0 0 2px">{heading}</h1>'
        f'<p style="margin:0 0 12px;color:#6B7280;font-size:12px">{esc(through)}</p>'
        f'<p style="margin:0 0 10px;font-weight:bold">{esc(summary)}</p>'
        f"{listed}{more}</body></html>\n"
    )


def _payload(lines: list[FindingLine], context: str, summary: str, through: str, more: str,
             more_link: str) -> dict[str, Any]:  # fmt: skip
    """Slack's ``blocks`` (mrkdwn sections), and a top-level ``text`` that is Slack's
    notification and what Teams' connector and Power Automate show: plain lines with bare
    links (Teams reads Markdown, not Slack's ``<url|label>``)."""
    esc = fmt.escape_mrkdwn
    title = " · ".join(filter(None, (esc(context), esc(through))))
    blocks: list[dict[str, Any]] = [_section(f"*{title}*\n{esc(summary)}")]
    plain = [title, esc(summary)]
    for number, line in enumerate(lines, 1):
        sentence = line.sentence(f"*{esc(line.scope)}*", esc(line.why))
        plain_sentence = line.sentence(esc(line.scope), esc(line.why))
        if line.link:
            label = esc(_("Open in the dashboard"))
            sentence += f" <{_slack_url(line.link)}|{label}>"
            plain_sentence += f" {_slack_url(line.link)}"
        blocks.append(_section(f"{number}. {sentence}"))
        plain.append(f"{number}. {plain_sentence}")
    if more:
        tail = f"<{_slack_url(more_link)}|{esc(more)}>" if more_link else esc(more)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": tail}]})
        plain.append(f"{esc(more)} {_slack_url(more_link)}".strip())
    return {"text": "\n\n".join(plain), "blocks": blocks}


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _slack_url(url: str) -> str:
    """A link's address in mrkdwn: Slack's three escapes only (a word joiner would break it)."""
    return url.translate(fmt.SLACK_ESCAPES)
