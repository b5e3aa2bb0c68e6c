"""Page controls (which KPI, split, grain, ...) that live in the URL like the filters do."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import streamlit as st

from data_access.filters import Filter
from metrics.grains import natural_grain
from metrics.registry import TREND_GRAINS
from presentation import format as fmt
from presentation import i18n
from presentation.i18n import _
from ui import url_state
from ui.url_state import Param

T = TypeVar("T")


def _scope() -> str:
    return f"page:{url_state.current_page()}"


def select(
    label: str,
    options: Sequence[str],
    key: str,
    default: str | None = None,
    format_func: Callable[[str], str] = str,
    help: str | None = None,
    horizontal: bool = False,
) -> str:
    """A single choice bound to ``?key=``; a value not among ``options`` falls back."""
    options = list(options)
    default = default if default in options else options[0]
    format_func = i18n.bound(format_func)
    param = Param(key, default, str, lambda raw: raw if raw in options else default)

    def draw(widget_key: str) -> str:
        if horizontal:
            return st.radio(label, options, key=widget_key, format_func=format_func, help=help,
                            horizontal=True)  # fmt: skip
        return st.selectbox(label, options, key=widget_key, format_func=format_func, help=help)

    return url_state.widget(param, draw, scope=_scope(),
                            valid=lambda v: v if v in options else default)  # fmt: skip


def grain(flt: Filter, key: str = "grain", sparse: bool = False) -> str:
    """The time grain of a chart over time, by default the one that suits the filter's period
    (coarser for ``sparse`` data such as surveys)."""
    return select(_("Grain"), TREND_GRAINS, key, natural_grain(flt, sparse=sparse),
                  fmt.grain_label, horizontal=True)  # fmt: skip


def number(label: str, key: str, default: int, low: int, high: int, help: str | None = None) -> int:
    """An integer slider bound to ``?key=``."""
    param = Param(key, default, str, lambda raw: min(max(int(raw), low), high))

    def draw(widget_key: str) -> int:
        return st.slider(label, low, high, key=widget_key, help=help)

    return url_state.widget(param, draw, scope=_scope(),
                            valid=lambda v: min(max(int(v), low), high))  # fmt: skip


def toggle(label: str, key: str, default: bool, help: str | None = None) -> bool:
    param = Param(key, default, lambda v: "1" if v else "0", lambda raw: raw == "1")
    return url_state.widget(param, lambda k: st.toggle(label, key=k, help=help), scope=_scope())


def text(label: str, key: str, placeholder: str = "") -> str:
    param = Param(key, "", str, lambda raw: raw[:200])
    return url_state.widget(
        param, lambda k: st.text_input(label, key=k, placeholder=placeholder, max_chars=200),
        scope=_scope(),
    )  # fmt: skip


def set_page_value(key: str, value: object) -> None:
    """Change a page control from code (a chart click); applies on the next run."""
    url_state.set_raw(key, value, _scope())
