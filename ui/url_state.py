"""Widget values that live in the URL and survive switching pages.

Streamlit's file-based multipage mode drops the query string when the user follows a sidebar page
link, and its ``bind="query-params"`` only keeps values for the page that drew the widget. So the
state is kept here instead:

- a session store (``st.session_state["_url_state"]``) holds each value: filters under a global
  scope (shared by every page), page controls under the page's scope;
- on the first run of a session the store is seeded from the URL the session started with, so a
  copied link reproduces the view;
- widgets get page-scoped keys seeded from the store (a widget key from another page would be
  reset by the frontend on a page switch);
- after each widget is drawn, the URL is rewritten to hold exactly the current page's values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import streamlit as st

T = TypeVar("T")
_STORE = "_url_state"
_INITIAL_URL = "_url_state_initial"
_PAGE = "_url_state_page"


@dataclass(frozen=True)
class Param(Generic[T]):
    """One URL parameter: its key, default and how its value is written and read back."""

    key: str
    default: T
    encode: Callable[[T], str]
    decode: Callable[[str], T]  # raises ValueError (or returns default) on bad input


def start_page(page_id: str) -> None:
    """Call once at the top of every page, before any bound widget."""
    if _INITIAL_URL not in st.session_state:
        st.session_state[_INITIAL_URL] = {k: st.query_params[k] for k in st.query_params}
    st.session_state.setdefault(_STORE, {})
    st.session_state[_PAGE] = page_id
    # the URL is rebuilt from the widgets drawn on this page
    st.query_params.clear()


def _scoped(param: Param, scope: str) -> str:
    return f"{scope}:{param.key}"


def current(param: Param[T], scope: str = "global") -> T:
    """The stored value (seeded from the session's first URL, else the default)."""
    store = st.session_state.setdefault(_STORE, {})
    name = _scoped(param, scope)
    if name not in store:
        raw = st.session_state.get(_INITIAL_URL, {}).get(param.key)
        value = param.default
        if raw not in (None, ""):
            try:
                value = param.decode(raw)
            except (ValueError, TypeError, KeyError):
                value = param.default  # a hand-edited link with a bad value: fall back
        store[name] = value
    return store[name]


def set_value(param: Param[T], value: T, scope: str = "global") -> None:
    """Change a value outside its widget (drill-down clicks); takes effect on the next run."""
    set_raw(param.key, value, scope)


def set_raw(key: str, value: object, scope: str = "global") -> None:
    st.session_state.setdefault(_STORE, {})[f"{scope}:{key}"] = value
    widget_key = f"w:{current_page()}:{scope}:{key}"
    if widget_key in st.session_state:
        del st.session_state[widget_key]


def current_page() -> str:
    return st.session_state.get(_PAGE, "")


def _widget_key(param: Param, scope: str) -> str:
    return f"w:{current_page()}:{_scoped(param, scope)}"


def widget_key(param: Param, scope: str = "global") -> str:
    """The session-state key of the widget bound to ``param`` on this page."""
    return _widget_key(param, scope)


def forget_widgets(keep: str = "") -> None:
    """Drop the state of every bound widget (except ``keep``) so each is drawn again from its
    stored value. Needed when option labels change (another language): the browser sends a
    choice back as its old label, which the new labels no longer match."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith("w:")
                and k != keep]:  # fmt: skip
        del st.session_state[key]


def widget(param: Param[T], draw: Callable[[str], Any], scope: str = "global",
           valid: Callable[[T], T] | None = None) -> T:  # fmt: skip
    """Draw a widget bound to ``param``; returns its value and mirrors it into the URL.

    ``draw(key)`` must create the widget with that key and no default value of its own.
    ``valid`` may repair a stored value against the widget's current options.
    """
    value = current(param, scope)
    if valid is not None:
        value = valid(value)
    key = _widget_key(param, scope)
    if key not in st.session_state:
        st.session_state[key] = value
    value = draw(key)
    st.session_state[_STORE][_scoped(param, scope)] = value
    write(param, value)
    return value


def write(param: Param[T], value: T) -> None:
    """Put a value in the URL (or remove it when it equals the default)."""
    if value == param.default:
        st.query_params.pop(param.key, None)
    else:
        st.query_params[param.key] = param.encode(value)


def reset(scope: str = "global") -> None:
    """Forget every value of a scope (and its widgets) so defaults apply on the next run."""
    store = st.session_state.setdefault(_STORE, {})
    for name in [n for n in store if n.startswith(f"{scope}:")]:
        del store[name]
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith("w:")
                and k.split(":", 2)[2].startswith(f"{scope}:")]:  # fmt: skip
        del st.session_state[key]
    st.session_state[_INITIAL_URL] = {}


def codes(raw: str) -> tuple[str, ...]:
    """'KR,JP' -> ('KR', 'JP')"""
    return tuple(v for v in (part.strip() for part in raw.split(",")) if v)


def join_codes(values: tuple[str, ...] | list[str]) -> str:
    return ",".join(values)
