"""One finding of ``metrics.attention`` in words, for the Attention page, the digest and the
pack: its scope ('Volume · Germany'), what was measured against what was expected, its days and
how sure we are."""

from __future__ import annotations

from metrics.attention import AttentionItem, Driver
from metrics.mix import Explanation
from metrics.registry import KPIS
from presentation import format as fmt
from presentation.i18n import N_, _, translate
from presentation.mix_sentence import mix_sentence

# How sure: the lowest confidence (1 - q) each phrase stands for.
SURENESS = ((0.99, N_("almost certain")), (0.95, N_("very likely")), (0.8, N_("likely")),
            (0.0, N_("possible")))  # fmt: skip
MOSTLY = 0.5  # a contact reason is named when it carries at least half of a volume's change


def scope(item: AttentionItem) -> str:
    """'Volume · Germany'; 'Volume' for all markets."""
    label = fmt.kpi_label(KPIS[item.kpi])
    if item.dimension == "all":
        return label
    return f"{label} · {fmt.member(item.dimension, item.member)}"


def measured(item: AttentionItem) -> str:
    """'310 a day against 70 – 95 expected (×3.40)', '72.0 % against the target ≥ 85.0 %'."""
    kpi = KPIS[item.kpi]
    actual = fmt.kpi_value(kpi, item.actual)
    if item.kind == "target":
        return _("{actual} against the target {target}").format(
            actual=actual, target=fmt.target_text(kpi, item.expected)
        )
    band = f"{fmt.kpi_value(kpi, item.low)} – {fmt.kpi_value(kpi, item.high)}"
    # times and counts read as a multiple of the expected; shares and scores as a difference
    if kpi.display in ("count", "duration", "seconds"):
        change = fmt.multiplier(1 + item.size)
    else:
        change = fmt.kpi_delta(kpi, item.actual - item.expected)
    if kpi.kind == "count":  # volume: contacts per day
        template = _("{actual} a day against {band} expected ({change})")
    else:
        template = _("{actual} against {band} expected ({change})")
    return template.format(actual=actual, band=band, change=change)


def days(item: AttentionItem) -> str:
    if item.ongoing:
        return _("since {start}, ongoing").format(start=fmt.date(item.start))
    if item.start == item.end:
        return _("on {day}").format(day=fmt.date(item.start))
    return fmt.date_range(item.start, item.end)


def sureness(confidence: float) -> str:
    return next(translate(words) for lowest, words in SURENESS if confidence >= lowest)


def why(item: AttentionItem) -> str:
    """Why it moved: the mix-versus-rate sentence of a share or a time, or the contact reason
    behind a volume ('' when the data cannot say)."""
    return reason(item.why or item.driver)


def reason(found: Explanation | Driver | None) -> str:
    """The sentence of a mix-versus-rate split or of the contact reason behind a volume."""
    if isinstance(found, Explanation):
        return mix_sentence(found)
    if found is None or found.share < MOSTLY:
        return ""
    values = {"member": fmt.member(found.dimension, found.member),
              "delta": fmt.signed(found.delta)}  # fmt: skip
    if found.share <= 1:  # above 1: other reasons moved the other way
        return _("Mostly {member} contacts: {delta} against the days before ({share} of the "
                 "change)").format(share=fmt.percent(found.share, 0), **values)  # fmt: skip
    return _("Mostly {member} contacts: {delta} against the days before").format(**values)


def also(item: AttentionItem) -> str:
    """'Also seen in German, EMEA and all markets' ('' when nothing was folded in)."""
    if not item.also:
        return ""
    names = [fmt.all_markets() if dimension == "all" else fmt.member(dimension, member)
             for dimension, member in item.also]  # fmt: skip
    listed = names[0] if len(names) == 1 else _("{first} and {last}").format(
        first=", ".join(names[:-1]), last=names[-1])  # fmt: skip
    return _("Also seen in {places}").format(places=listed)
