"""Sign-in and the signed-in user's scope: who is looking, and what they may see and do.

With an ``[auth]`` section in ``.streamlit/secrets.toml`` (Streamlit's OpenID Connect support)
every page asks for sign-in, and the access file (``SERVICE_ATLAS_ACCESS``, ``docs/access.md``)
turns the user's ID-token claims into a ``Scope``. Without one the dashboard runs in local mode:
everything visible to whoever can reach it, said once in the sidebar.

The scope is never kept where a request could set it: it is worked out on every run from
``st.user`` (Streamlit's signed cookie) and the access file.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import streamlit as st

from data_access import audit
from data_access.access import EVERYTHING, Access, AccessError, Scope, access_location, load_access
from presentation import format as fmt
from presentation.i18n import _

_audit_lock = threading.Lock()


def sign_in_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` configures an identity provider."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all
        return False


@st.cache_resource(show_spinner=False, max_entries=4)
def _access(location: str, modified: float) -> Access:
    """The access file, read again whenever it changes (``modified``: its mtime)."""
    return load_access(location)


def _load() -> Access:
    location = access_location()
    if not location:
        raise AccessError(
            _("Sign-in is configured but no access file is: set {variable} to the file that says "
              "who may see which markets (docs/access.md).").format(variable="SERVICE_ATLAS_ACCESS")
        )  # fmt: skip
    try:
        modified = Path(location).stat().st_mtime
    except OSError:
        modified = 0.0  # load_access names the problem
    return _access(location, modified)


def current_scope() -> Scope:
    """What the person behind this session may see: ``EVERYTHING`` in local mode, nothing
    (an empty scope) for anyone not signed in, whose sign-in expired, or while the access file
    cannot be used."""
    if not sign_in_configured():
        return EVERYTHING
    if not st.user.is_logged_in or _expired():
        return Scope(user="")
    try:
        access = _load()
    except AccessError:  # gate() shows why; until then nothing is visible
        return Scope(user="")
    return access.scope_for(st.user.to_dict())


def _expired() -> bool:
    """Streamlit keeps a user signed in for as long as its cookie lives; the ID token's own
    expiry (``exp``) is checked here."""
    expires = st.user.get("exp")
    return not isinstance(expires, int | float) or expires <= time.time()


def gate() -> Scope:
    """Call first on every page: the user's scope, or the sign-in screen (and stop)."""
    fmt.restrict_view(False)  # until the user's scope says otherwise
    if not sign_in_configured():
        with st.sidebar:
            st.caption(":material/lock_open: " + _(
                "Local mode: no sign-in is configured, so everyone who can open this address "
                "sees all data. The README's Access section shows how to add sign-in.")
            )  # fmt: skip
        return EVERYTHING
    try:
        access = _load()
    except AccessError as problem:
        message = _("The access file cannot be used, so no data is shown:")
        st.error(f"{message}\n\n```\n{problem}\n```")
        st.stop()
    if not st.user.is_logged_in:
        _sign_in_screen(_("Sign in to see the service dashboards."))
    if _expired():
        _sign_in_screen(_("Your sign-in has expired. Sign in again to go on."))
    scope = access.scope_for(st.user.to_dict())
    fmt.restrict_view(not scope.unrestricted)
    _audit_sign_in(scope)
    if scope.sees_nothing:
        st.warning(_("You are signed in as {user}, but no access rule includes you, so there is "
                     "nothing to show.").format(user=fmt.escape_markdown(scope.user)))  # fmt: skip
        if access.contact:
            st.info(_("Ask {contact} for access.").format(
                contact=fmt.escape_markdown(access.contact)))  # fmt: skip
        st.button(_("Sign out"), on_click=st.logout, icon=":material/logout:")
        st.stop()
    _signed_in_sidebar(scope)
    return scope


@st.cache_resource(show_spinner=False)
def _audited_tokens() -> dict[tuple[str, ...], float]:
    """The ID tokens whose sign-in this process has put in the audit log, with their expiry."""
    return {}


def _audit_sign_in(scope: Scope) -> None:
    """One audit entry per sign-in. Streamlit starts a new session each time the browser loads
    the app (a reload, a link typed or opened in a new tab), all with the same ID token from its
    cookie: the token, not the session, is the sign-in. A restarted server records a token still
    in use once more."""
    token = tuple(str(st.user.get(claim, "")) for claim in ("iss", "sub", "email", "iat", "nonce"))
    now = time.time()
    with _audit_lock:
        audited = _audited_tokens()
        if token in audited:
            return
        for expired in [key for key, expires in audited.items() if expires <= now]:
            del audited[expired]
        audited[token] = float(st.user.get("exp") or now)
    event = "sign-in refused" if scope.sees_nothing else "sign-in"
    try:
        audit.record(event, scope.user, ", ".join(scope.rules))
    except Exception:  # not recorded: the next page run tries again
        with _audit_lock:
            audited.pop(token, None)
        raise


def _sign_in_screen(message: str) -> None:
    st.title(":material/travel_explore: Service Atlas")
    st.info(message)
    st.button(_("Sign in"), on_click=st.login, type="primary", icon=":material/login:")
    st.stop()


def _signed_in_sidebar(scope: Scope) -> None:
    with st.sidebar:
        who = _("Signed in as {user}").format(user=fmt.escape_markdown(scope.user))
        covers = fmt.escape_markdown(fmt.access_scope(scope))
        st.caption(f":material/account_circle: {who} · {covers}")
        st.button(_("Sign out"), on_click=st.logout, icon=":material/logout:", key="sign_out")


def require(permission: str) -> Scope:
    """The user's scope if it allows ``permission``; else say so on the page and stop."""
    scope = current_scope()
    if not scope.may(permission):
        st.warning(_("Your access does not include this. Ask {contact} if you need it.").format(
            contact=fmt.escape_markdown(_contact() or _("an administrator"))))  # fmt: skip
        st.stop()
    return scope


def _contact() -> str:
    try:
        return _load().contact
    except AccessError:
        return ""
