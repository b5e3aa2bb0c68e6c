"""The sidebar's language switch: the active language chosen in the URL (``?lang=``) or from the
browser's locale, for every page run (the translation core is ``presentation.i18n``)."""

from __future__ import annotations

import streamlit as st

from presentation import i18n
from presentation.i18n import _, available, native_name, set_language
from ui import url_state

PARAM = "lang"
_SCOPE = "settings"  # not "global": resetting the filters keeps the language
_SHOWN = "_i18n_shown"  # the language of the previous run of this session
_IN_URL = "_i18n_in_url"
_SWITCHED = "_i18n_switched"


def language_switch() -> str:
    """Draw the language choice (kept in the URL as ``?lang=``; the default, the browser's
    language, is not written) and make it the active language. Call before any text is drawn.
    """
    languages = available()
    default = i18n.browser_language(getattr(st.context, "locale", None))
    param = url_state.Param(PARAM, default, str,
                            lambda raw: raw if raw in languages else default)  # fmt: skip

    def draw(key: str) -> str:
        chosen = st.session_state.get(key)
        set_language(chosen if chosen in languages else default)
        return st.selectbox(_("Display language"), languages, key=key, format_func=native_name)

    with st.sidebar:
        lang = url_state.widget(param, draw, scope=_SCOPE,
                                valid=lambda v: v if v in languages else default)  # fmt: skip
    set_language(lang)
    switched = st.session_state.get(_SHOWN, lang) != lang
    if switched:  # every option label changed: the browser's choices no longer match them
        url_state.forget_widgets(keep=url_state.widget_key(param, _SCOPE))
    st.session_state[_SHOWN] = lang
    st.session_state[_SWITCHED] = switched
    st.session_state[_IN_URL] = "" if lang == default else lang
    return lang


def keep_choices(*keys: str) -> None:
    """Keep the choices of widgets keyed outside ``url_state`` across a language switch; their
    options must be codes shown through translated labels. After a switch the browser sends
    back the old label, which the new labels do not match; the widget of the previous run still
    reads it as its code, and storing that code makes the new run draw it."""
    if st.session_state.get(_SWITCHED, False):
        for key in keys:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]


def url_params() -> dict[str, str]:
    """``{"lang": "ko"}`` when the chosen language is not the browser's, for links that open a
    new session (a link keeps the reader's choice like it keeps the filters)."""
    lang = st.session_state.get(_IN_URL, "")
    return {PARAM: lang} if lang else {}
