"""End to end: signing in through a real OpenID Connect provider, in headless Chromium.

oidc-provider-mock runs on 127.0.0.1 with a KR-team user and an administrator; Streamlit gets
an ``[auth]`` section pointing at it (a secrets file in a temporary folder, never the repo's
``.streamlit/``) and an access file. The browser signs in the way a person does: the app's Sign in
button, the provider's page, a user chosen there, back to the app. Then what the scope must hold
against a browser: the KR user's filters, numbers and links reach Korea only, the audit log is an
administrator's and has each sign-in once, an expired token, a signed-out browser and a user no
rule names see no data. Screenshots go to /tmp/oidc-shots/.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from data_access import audit
from data_access.access import EVERYTHING, Scope, load_access
from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import Filter
from metrics.engine import kpi_table
from presentation import format as fmt
from presentation.i18n import country_label
from tests.browser import (
    chromium,
    free_port,
    open_app,
    skip_without_chromium,
    streamlit_server,
    wait_for_app,
)
from tests.local_servers import PROXY_VARIABLES, nginx_proxy
from ui.filters import DEFAULT_PERIOD, period_dates

pytestmark = pytest.mark.browser

skip_without_chromium()

SHOTS = Path("/tmp/oidc-shots")
CONTACT = "atlas-admins@example.com"
ACCESS_FILE = f"""
contact = "{CONTACT}"

[[rule]]
name = "Atlas administrators"
groups = ["atlas-admins"]
admin = true

[[rule]]
name = "Korea support"
groups = ["kr-support"]
countries = ["KR"]
comments = true
rows = true
export = true
"""
KIM = {"email": "kim@example.com", "email_verified": True, "groups": ["kr-support"]}
ADA = {"email": "ada@example.com", "email_verified": True, "groups": ["atlas-admins"]}
TOKEN_LIFETIME = dt.timedelta(seconds=8)  # the expiry test's provider


@dataclass(frozen=True)
class App:
    url: str
    provider: str  # the provider's base URL
    access: Path
    audit: Path


@contextlib.contextmanager
def app_behind_sign_in(folder: Path, data: Path, lifetime: dt.timedelta,
                       behind_nginx: bool = False) -> Iterator[App]:  # fmt: skip
    """A provider issuing ID tokens that live ``lifetime``, and the app signing in through it
    (``behind_nginx``: reached over HTTPS through nginx configured by deploy/nginx.conf)."""
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub="kim", claims=KIM), User(sub="ada", claims=ADA)]
    with run_server_in_thread(port=0, access_token_max_age=lifetime, user_claims=users) as server:
        provider = f"http://127.0.0.1:{server.server_port}"
        port = free_port()  # the redirect URI names the app's port before it starts
        public = f"https://127.0.0.1:{free_port()}" if behind_nginx else f"http://127.0.0.1:{port}"
        settings = folder / "secrets.toml"
        settings.write_text(f"""[auth]
redirect_uri = "{public}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "service-atlas"
client_secret = "{secrets.token_hex(16)}"
server_metadata_url = "{provider}/.well-known/openid-configuration"
""")
        access = folder / "access.toml"
        access.write_text(ACCESS_FILE)
        env = {
            "SERVICE_ATLAS_ACCESS": str(access),
            "SERVICE_ATLAS_DB": str(data),
            "SERVICE_ATLAS_AUDIT": str(folder / "audit.duckdb"),
            "STREAMLIT_SECRETS_FILES": str(settings),  # Streamlit's secrets.files option
            **{name: "" for name in PROXY_VARIABLES},  # the app reaches the provider directly
        }
        with streamlit_server(env, port=port) as url:
            if not behind_nginx:
                yield App(url, provider, access, folder / "audit.duckdb")
                return
            (folder / "nginx").mkdir()
            with nginx_proxy([port], int(public.rsplit(":", 1)[1]), folder / "nginx"):
                yield App(public, provider, access, folder / "audit.duckdb")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, sample_path: Path) -> Iterator[App]:
    folder = tmp_path_factory.mktemp("sign_in")
    with app_behind_sign_in(folder, sample_path, dt.timedelta(hours=1)) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1800}, accept_downloads=True)
    # The table's CSV download falls back to a plain download where no file picker can open.
    context.add_init_script("window.showSaveFilePicker = async () => { throw new Error(); };")
    yield context.new_page()
    context.close()


def sign_in(page, app: App, user: str, drawn: bool = True) -> None:
    """Open the app, press Sign in, pick ``user`` on the provider's page (a predefined user's
    button, or any other subject typed in), and wait for the app to be drawn again (or, not
    ``drawn``, only until the sidebar names the user: the sign-in is in the audit log)."""
    open_app(page, app.url)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{app.provider}/oauth2/authorize**")
    predefined = page.get_by_role("button", name=user, exact=True)
    if predefined.count():
        predefined.click()
    else:
        page.fill("input[name=sub]", user)
        page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{app.url}/")
    if drawn:
        wait_for_app(page)
    else:
        page.get_by_text("Signed in as").wait_for()


def text(page, selector: str = "body") -> str:
    """What ``selector`` shows, without the invisible word joiners that keep an e-mail address
    from becoming a link (``fmt.escape_markdown``)."""
    return page.locator(selector).inner_text().replace(fmt.WORD_JOINER, "")


def sidebar(page) -> str:
    return text(page, '[data-testid="stSidebar"]')


def country_options(page, search: str = "") -> list[str]:
    """The countries the sidebar's filter holds: those chosen and those it offers (for
    ``search``: a long list is drawn a screenful at a time)."""
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Country")
    chosen = box.locator("[data-tag]").all_inner_texts()
    box.locator("input").click()
    page.keyboard.type(search)
    offered = page.locator('[role="option"]').all_inner_texts()
    page.keyboard.press("Escape")
    return sorted(chosen + [option for option in offered if option != "No results"])


def volume_tile(page) -> str:
    tile = page.locator('[data-testid="stMetric"]').filter(has_text=fmt.kpi_label("volume"))
    return tile.locator('[data-testid="stMetricValue"]').first.inner_text()


def volume(data: Path, scope: Scope, countries: tuple[str, ...] = ()) -> str:
    """The default period's volume as ``scope`` sees it (in ``countries``), as a tile shows it."""
    scoped = Database(data).scoped(scope)
    catalog = read_catalog(scoped)
    start, end = period_dates(DEFAULT_PERIOD, catalog.last_day)
    flt = Filter(start=max(start, catalog.first_day), end=end, countries=countries)
    return fmt.kpi_value("volume", kpi_table(scoped, ["volume"], flt=flt)["value"].iloc[0])


def audit_log_shown(page) -> pd.DataFrame:
    """The audit log table of the Data page, as its CSV download holds it."""
    grid = page.locator(
        'xpath=//h3[contains(., "Audit log")]/following::*[@data-testid="stDataFrame"][1]'
    )
    grid.hover()  # the grid's toolbar shows on hover
    with page.expect_download() as download:
        grid.get_by_role("button", name="Download as CSV").click()
    return pd.read_csv(download.value.path())


def no_data_shown(page) -> bool:
    """No KPI tile, chart, table or filter on the page."""
    shown = ('[data-testid="stMetric"]', '[data-testid="stPlotlyChart"]',
             '[data-testid="stDataFrame"]', '[data-testid="stMultiSelect"]')  # fmt: skip
    return all(page.locator(selector).count() == 0 for selector in shown) and (
        "Data through" not in text(page)
    )


def screenshot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def test_the_sign_in_screen_shows_no_data(app, page):
    open_app(page, app.url)
    screenshot(page, "sign_in_screen")
    assert "Sign in to see the service dashboards." in text(page)
    assert page.get_by_role("button", name="Sign in").count() == 1
    assert no_data_shown(page)


def test_the_kr_user_sees_korea_only(app, page, sample_path):
    sign_in(page, app, "kim")
    assert "Signed in as kim@example.com · KR — comments, ticket rows, export" in sidebar(page)
    screenshot(page, "kr_overview")
    assert country_options(page) == [country_label("KR")]
    kim = load_access(app.access).scope_for(KIM)
    assert volume_tile(page) == volume(sample_path, kim) == volume(sample_path, EVERYTHING, ("KR",))
    assert volume_tile(page) != volume(sample_path, EVERYTHING)
    page.get_by_role("button", name="Sign out").click()  # and the provider's end of session
    page.wait_for_url(f"{app.provider}/oauth2/end_session**")
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{app.url}/")
    wait_for_app(page)
    assert "Sign in to see the service dashboards." in text(page) and no_data_shown(page)


CRAFTED_LINKS = {  # link: the country codes the app says it left out ("": none)
    "/?country=JP": "JP",
    "/?country=JP&country=KR": "",  # Streamlit reads a parameter's last value
    "/?country=KR,JP": "JP",
    "/?country=%27%20OR%201%3D1&tenant=all&admin=true": "' OR 1=1",  # and unknown parameters
}


def test_links_reach_no_market_outside_the_kr_scope(app, page, sample_path):
    sign_in(page, app, "kim")
    kr = volume(sample_path, EVERYTHING, ("KR",))
    jp = volume(sample_path, EVERYTHING, ("JP",))
    assert kr != jp
    for link, left_out in CRAFTED_LINKS.items():
        open_app(page, app.url + link)
        shown = text(page)
        assert "Signed in as kim@example.com" in shown, link
        warning = f"The link asks for country {left_out}, which the data does not hold: left out"
        assert (warning in shown) == bool(left_out), link
        assert "Valid values: KR." in shown or not left_out, link
        assert volume_tile(page) == kr, link
        assert jp not in shown and "Japan" not in shown, link
        assert country_options(page) == [country_label("KR")], link
    open_app(page, app.url + "/Markets?country=JP")
    assert "Japan" not in text(page) and "Signed in as kim@example.com" in sidebar(page)
    open_app(page, app.url + "/Data")
    assert "Audit log" not in text(page) and "Shown to those who may import data." in text(page)
    assert "Import data" not in sidebar(page)


def test_the_administrator_sees_every_market_and_the_audit_log(app, browser, page, sample_path):
    kim_context = browser.new_context()
    sign_in(kim_context.new_page(), app, "kim", drawn=False)
    kim_context.close()
    sign_in(page, app, "ada")
    assert "Signed in as ada@example.com · administrator: all markets" in sidebar(page)
    for code in ("JP", "KR", "US"):
        assert country_options(page, search=country_label(code)) == [country_label(code)]
    assert volume_tile(page) == volume(sample_path, EVERYTHING)
    open_app(page, app.url + "/Data")
    open_app(page, app.url + "/Data")  # opening pages is no new sign-in
    log = audit_log_shown(page)
    rules = log[log["event"] == "sign-in"].groupby("user_name")["what"].agg(list)
    assert rules["ada@example.com"] == ["Atlas administrators"]  # once, for all pages opened
    assert set(rules["kim@example.com"]) == {"Korea support"}
    assert len(log) == len(audit.entries(path=app.audit))


def test_an_expired_sign_in_shows_no_data(tmp_path, browser, page, sample_path):
    with app_behind_sign_in(tmp_path, sample_path, TOKEN_LIFETIME) as short:
        sign_in(page, short, "kim")
        signed_in_at = time.monotonic()
        assert "Signed in as kim@example.com" in sidebar(page)
        assert page.locator('[data-testid="stMetric"]').count() == 10
        time.sleep(max(0.0, signed_in_at + TOKEN_LIFETIME.total_seconds() + 1 - time.monotonic()))
        for path in ("/Data", "/"):
            open_app(page, short.url + path)
            assert "Your sign-in has expired. Sign in again to go on." in text(page), path
            assert page.get_by_role("button", name="Sign in").count() == 1, path
            assert no_data_shown(page) and "Signed in as" not in text(page), path
        screenshot(page, "expired")
        page.get_by_role("button", name="Sign in").click()  # a new token, a new session
        page.get_by_role("button", name="kim", exact=True).click()
        page.wait_for_url(f"{short.url}/")
        wait_for_app(page)
        assert "Signed in as kim@example.com" in sidebar(page)
        events = audit.entries(path=short.audit)[["user_name", "event"]]
        assert events.values.tolist() == [["kim@example.com", "sign-in"]] * 2


def test_a_user_no_rule_names_sees_no_data(app, page):
    sign_in(page, app, "nobody@example.com")  # typed on the provider's page: e-mail only
    screenshot(page, "no_rule")
    shown = text(page)
    assert ("You are signed in as nobody@example.com, but no access rule includes you, so there "
            "is nothing to show.") in shown  # fmt: skip
    assert f"Ask {CONTACT} for access." in shown
    assert no_data_shown(page) and page.get_by_role("button", name="Sign out").count() == 1
    refused = audit.entries(path=app.audit).query("user_name == 'nobody@example.com'")
    assert list(refused["event"]) == ["sign-in refused"]


def test_signing_in_over_https_through_the_documented_nginx(tmp_path, browser, sample_path):
    """The README's deployment: nginx (deploy/nginx.conf, only host, certificate and ports
    changed) terminates HTTPS in front of Streamlit on the loopback address; sign-in, the
    WebSocket and the scope work through it."""
    context = browser.new_context(
        viewport={"width": 1440, "height": 1800}, ignore_https_errors=True
    )  # a self-signed certificate
    page = context.new_page()
    with app_behind_sign_in(tmp_path, sample_path, dt.timedelta(hours=1), True) as proxied:
        assert proxied.url.startswith("https://")
        sign_in(page, proxied, "kim")
        assert "Signed in as kim@example.com · KR" in sidebar(page)
        assert volume_tile(page) == volume(sample_path, EVERYTHING, ("KR",))
        assert country_options(page) == [country_label("KR")]
    context.close()
