"""A finding's why (``metrics.attention``) in one sentence, in the active language: the
mix-versus-rate split of a share or a time (``mix_sentence``), or, for a volume, the contact
reason behind it: "Mostly Payment contacts: +539 against the days before (87 % of the change)".

Computes nothing: the driver's numbers are shown as the finding carries them.
"""

from __future__ import annotations

from metrics.attention import AttentionItem
from presentation import format as fmt
from presentation.i18n import _
from presentation.mix_sentence import mix_sentence


def why_sentence(item: AttentionItem) -> str:
    """Why the finding happened, or '' when the data cannot say."""
    if item.why is not None:
        return mix_sentence(item.why)
    driver = item.driver
    if driver is None:
        return ""
    values = {"member": fmt.member(driver.dimension, driver.member),
              "delta": fmt.signed(driver.delta)}  # fmt: skip
    if driver.share > 1:  # other reasons moved the other way: a share above 100 % misleads
        return _("Mostly {member} contacts: {delta} against the days before").format(**values)
    return _(
        "Mostly {member} contacts: {delta} against the days before ({share} of the change)"
    ).format(share=fmt.percent(driver.share, 0), **values)
