"""The review pack from the sidebar: build it for the current filters, with progress, then
download. Built only on request (it takes a few seconds), kept until the filters change."""

from __future__ import annotations

import streamlit as st

from data_access.filters import Filter
from presentation import export, i18n
from presentation.i18n import _, translate
from reports import pack
from ui import access, data, downloads

_BUILT = "_review_pack"


def review_pack(flt: Filter) -> None:
    if not downloads.may_export():
        return
    with st.sidebar.expander(_("Review pack"), icon=":material/picture_as_pdf:"):
        st.caption(
            _(
                "A summary with findings, two to four charts a page and the definitions, for the "
                "filters above; A4, or US Letter where the browser's locale prints on it."
            )
        )
        no_chrome = export.chrome_path() is None
        kind = st.radio(
            _("Format"),
            ["PDF", "HTML"],
            horizontal=True,
            key="pack_format",
            index=1 if no_chrome else 0,
        )
        if kind == "PDF" and no_chrome:
            st.caption(translate(export.MISSING_CHROME))
        # what the pack shows: the same filters, format, language and access scope
        request = {"filter": flt, "kind": kind, "lang": i18n.current(),
                   "scope": data.database().cache_key}  # fmt: skip
        built = st.session_state.get(_BUILT)
        ctx = export.Context(_("review pack"), pack.describe(flt))
        if built and built["request"] == request:
            name = export.file_name(ctx, kind.lower())
            st.download_button(
                _("Download the {kind}").format(kind=kind),
                data=built["bytes"],
                file_name=name,
                mime="application/pdf" if kind == "PDF" else "text/html",
                on_click="ignore",
                icon=":material/download:",
                type="primary",
            )
        elif st.button(_("Build the {kind}").format(kind=kind),
                       disabled=kind == "PDF" and no_chrome):  # fmt: skip
            bar = st.progress(0.0, _("Starting…"))

            def progress(fraction: float, message: str) -> None:
                bar.progress(min(fraction, 1.0), message)

            db = data.database()
            locale = getattr(st.context, "locale", None)  # the reader's paper: 'en-US' Letter
            if kind == "PDF":
                content = pack.build_pdf(db, flt, progress, locale=locale)
            else:
                content = pack.build_html(db, flt, False, progress, locale=locale).encode()
            downloads.audited(kind, ctx, access.current_scope().user)
            st.session_state[_BUILT] = {"request": request, "bytes": content}
            st.rerun()
