"""Alert rules (metrics.alert_rules): the documented example, the defaults, and bad files refused
with every problem named by file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from metrics.alert_rules import (
    WATCHED_KPIS,
    Rule,
    RulesError,
    default_rules,
    load_rules,
    parse_rules,
)
from metrics.registry import KPIS

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "alerts.example.toml"


def problems(text: str) -> list[str]:
    """The lines of the RulesError that ``text`` (dedented) raises as alerts.toml."""
    with pytest.raises(RulesError) as error:
        parse_rules(textwrap.dedent(text), "alerts.toml")
    return str(error.value).splitlines()


def test_the_documented_example_parses_to_its_rules():
    assert load_rules(EXAMPLE) == [
        Rule("sla", "target", 0.9, {"countries": ("DE", "AT"), "channels": ("email",)}, 0.02,
             ("ops-de@example.com",), line=6),
        Rule("volume", "anomaly", None, {}, 0.3, ("https://hooks.example.invalid/T000",),
             line=14),
        Rule("csat", "below", 0.8, {"languages": ("ko",)}, 0.0,
             ("cx-kr@example.com", "https://hooks.example.invalid/T001"), line=21),
        Rule("asa", "above", 45.0, {}, 0.0, (), line=29),
        Rule("frt_median", "anomaly", None, {}, 0.2, (), line=36),
    ]  # fmt: skip


def test_defaults_hold_every_kpi_with_a_target_to_it_and_watch_the_service_kpis():
    rules = default_rules()
    targets = {rule.kpi: rule.threshold for rule in rules if rule.when == "target"}
    assert targets == {k.id: k.target for k in KPIS.values() if k.target is not None}
    assert len(targets) == 19  # every KPI but volume, frt_mean and backlog has a target
    anomalies = {rule.kpi: rule.min_size for rule in rules if rule.when == "anomaly"}
    assert anomalies == {"volume": 0.2, "sla": 0.05, "fcr": 0.05, "csat": 0.05}
    assert tuple(anomalies) == WATCHED_KPIS
    assert all(not rule.scope and not rule.recipients and rule.line is None for rule in rules)
    assert len(rules) == 19 + 4


def test_a_minimal_rule_takes_the_registry_target_and_single_codes_need_no_brackets():
    (rule,) = parse_rules(
        '[[rule]]\nkpi = "frt_median"\nwhen = "target"\nscope.country = "KR"\nto = "a@b.kr"\n',
        "alerts.toml",
    )
    assert rule == Rule("frt_median", "target", 4 * 3600.0, {"countries": ("KR",)}, 0.0,
                        ("a@b.kr",), line=1)  # fmt: skip


SYNTAX = """\
[[rule]]
kpi = "sla"
when = "target"
scope = { country = ["DE" "AT"] }
"""  # line 4, column 27: a missing comma between the codes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SYNTAX, "alerts.toml, line 4, column 27: not valid TOML: Unclosed array"),
        ('[[rule]]\nkpi = "sla"\nwhen = "target"\nkpi = "fcr"\n',  # kpi given twice
         "alerts.toml, line 4, column 12: not valid TOML: Cannot overwrite a value"),
        ('[[rule]]\nkpi = "sla"\nwhen = "target', "alerts.toml, at the end: not valid TOML: "
         "Unterminated string"),
    ],
)  # fmt: skip
def test_toml_syntax_errors_name_the_line_and_column(text, expected):
    assert problems(text) == [expected]


# One rule per case, placed after a valid first rule so that the line numbers are not all 1-3.
VALID_FIRST = '[[rule]]\nkpi = "sla"\nwhen = "target"\n\n'  # lines 1-4; the case starts at 5


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # unknown KPI id, with close matches
        ('[[rule]]\nkpi = "csta"\nwhen = "anomaly"',
         "line 6: unknown KPI 'csta'; did you mean 'csat'?"),
        # unknown when
        ('[[rule]]\nkpi = "csat"\nwhen = "bellow"',
         "line 7: unknown when 'bellow'; did you mean 'below'?"),
        # threshold missing for below/above: at the rule's header
        ('[[rule]]\nkpi = "csat"\nwhen = "above"',
         "line 5: threshold is missing: when = 'above' needs one"),
        # threshold given for anomaly
        ('[[rule]]\nkpi = "csat"\nwhen = "anomaly"\nthreshold = 0.8',
         "line 8: threshold is not used with when = 'anomaly' (min_size sets how large an"
         " anomaly must be)"),
        # non-numeric threshold (a string, a boolean)
        ('[[rule]]\nkpi = "aht"\nwhen = "above"\nthreshold = "10 minutes"',
         "line 8: threshold must be a number, not '10 minutes'"),
        ('[[rule]]\nkpi = "aht"\nwhen = "above"\nthreshold = true',
         "line 8: threshold must be a number, not True"),
        # a share written as a percentage
        ('[[rule]]\nkpi = "csat"\nwhen = "below"\nthreshold = 80',
         "line 8: csat is a share from 0 to 1: write e.g. 0.85 for 85 %, not 80"),
        # negative min_size
        ('[[rule]]\nkpi = "volume"\nwhen = "anomaly"\n\nmin_size = -0.2',
         "line 9: min_size must be a number of 0 or more, not -0.2"),
        # unknown scope dimension (inline table: the scope line)
        ('[[rule]]\nkpi = "sla"\nwhen = "target"\nscope = { countries = ["DE"] }',
         "line 8: unknown scope dimension 'countries'; did you mean 'country'?"),
        # unknown country and language codes (a [rule.scope] sub-table: the code's own line)
        ('[[rule]]\nkpi = "sla"\nwhen = "target"\n[rule.scope]\ncountry = ["DE", "UK"]',
         "line 9: unknown country code 'UK' (ISO 3166-1 alpha-2 in capitals, e.g. 'DE')"),
        ('[[rule]]\nkpi = "sla"\nwhen = "target"\nscope.language = ["ko", "kor"]',
         "line 8: unknown language code 'kor' (ISO 639-1 in lower case, e.g. 'de')"),
        ('[[rule]]\nkpi = "sla"\nwhen = "target"\nscope.channel = ["e-mail"]',
         "line 8: unknown channel code 'e-mail' (one of email, chat, phone, social, web_form,"
         " messaging)"),
        # a recipient that is neither an e-mail address nor an http(s) URL
        ('[[rule]]\nkpi = "sla"\nwhen = "target"\nto = [\n  "ops@example.com",\n'
         '  "ftp://example.com/x",\n]',
         "line 8: not an e-mail address or http(s) URL: 'ftp://example.com/x'"),
        # a typo in a key
        ('[[rule]]\nkpi = "sla"\nwhen = "target"\ntreshold = 0.8',
         "line 8: unknown key 'treshold'; did you mean 'threshold'?"),
        # target for a KPI without a better direction
        ('[[rule]]\nkpi = "volume"\nwhen = "target"',
         "line 7: KPI 'volume' is neither better when higher nor when lower: use 'below' or"
         " 'above'"),
        # target for a KPI without a registry target and no threshold
        ('[[rule]]\nkpi = "frt_mean"\nwhen = "target"',
         "line 7: KPI 'frt_mean' has no target in the registry: add a threshold"),
        # when missing: at the header
        ('[[rule]]\nkpi = "sla"', "line 5: 'when' is missing: one of 'anomaly', 'target', 'below',"
         " 'above'"),
        # kpi missing: at the header
        ('[[rule]]\nwhen = "anomaly"',
         "line 5: 'kpi' is missing: name a KPI id such as 'sla' (see docs/alerts.md)"),
    ],
)  # fmt: skip
def test_each_bad_rule_is_named_by_file_and_line(rule, expected):
    assert problems(VALID_FIRST + rule + "\n") == [f"alerts.toml, {expected}"]


def test_every_problem_of_the_file_is_reported_at_once():
    text = """\
        # alert rules
        [[rule]]
        kpi = "slaa"
        when = "target"
        treshold = 0.85

        [[rule]]
        kpi = "csat"
        when = "below"
        threshold = 0.8
        scope = { country = ["DE", "de"], chanel = ["email"] }

        [[rules]]
        kpi = "fcr"
        """
    assert problems(text) == [
        "alerts.toml, line 3: unknown KPI 'slaa'; did you mean 'sla'?",
        "alerts.toml, line 5: unknown key 'treshold'; did you mean 'threshold'?",
        "alerts.toml, line 11: unknown country code 'de' (ISO 3166-1 alpha-2 in capitals,"
        " e.g. 'DE')",
        "alerts.toml, line 11: unknown scope dimension 'chanel'; did you mean 'channel'?",
        "alerts.toml, line 13: unknown key 'rules'; did you mean 'rule'?",
    ]


def test_rules_without_header_lines_are_named_by_number_and_an_empty_file_is_refused():
    inline = 'rule = [{ kpi = "sla", when = "target" }, { kpi = "sla", when = "below" }]\n'
    assert problems(inline) == ["alerts.toml, rule 2: threshold is missing: when = 'below' "
                                "needs one"]  # fmt: skip
    assert problems("# nothing yet\n") == [
        "alerts.toml, file: no rules: add a [[rule]] table for each rule (see docs/alerts.md)"
    ]
    assert problems('rule = [{ kpi = "sla", when = "target" }, 7]\n') == [
        "alerts.toml, rule 2: a rule must be a table of keys, not 7"
    ]
    assert problems('[rule]\nkpi = "sla"\n') == [
        "alerts.toml, line 1: write [[rule]] (two brackets) above each rule"
    ]


def test_hostile_values_are_quoted_not_interpreted():
    text = """\
        [[rule]]
        kpi = "{0.__class__}'; DROP TABLE tickets; --"
        when = "anomaly\\u001b[2J"
        to = ["<script>alert(1)</script>@x", "javascript:alert(1)", "http://a b.example/"]
        "\\u0007bell" = 1
        scope = { hub = ["%s%s%n"], category = ["\\n"] }
        """
    found = problems(text)
    assert found == [
        'alerts.toml, line 2: unknown KPI "{0.__class__}\'; DROP TABLE tickets; --"; one of '
        + ", ".join(KPIS),
        "alerts.toml, line 3: unknown when 'anomaly\\x1b[2J'; did you mean 'anomaly'?",
        "alerts.toml, line 4: not an e-mail address or http(s) URL: '<script>alert(1)</script>@x'"
        ", 'javascript:alert(1)', 'http://a b.example/'",
        "alerts.toml, line 5: unknown key '\\x07bell'; one of kpi, when, threshold, scope,"
        " min_size, to",
        "alerts.toml, line 6: unknown category code '\\n' (a non-empty name)",
    ]
    assert all(line.isprintable() for line in found)  # no raw escape, bell or newline
    long_value = "x" * 500
    (message,) = problems(f'[[rule]]\nkpi = "{long_value}"\nwhen = "anomaly"\n')
    assert message.startswith("alerts.toml, line 2: unknown KPI 'xxxx")
    assert "x" * 60 not in message and "…" in message


def test_a_missing_or_undecodable_file_is_named(tmp_path):
    with pytest.raises(RulesError, match=r"^.*nowhere\.toml: no such file$"):
        load_rules(tmp_path / "nowhere.toml")
    latin1 = tmp_path / "alerts.toml"
    latin1.write_bytes('[[rule]]\nkpi = "sla"  # Zürich\n'.encode("latin-1"))
    with pytest.raises(RulesError, match=r"alerts\.toml: not UTF-8 text \(byte 25\)"):
        load_rules(latin1)


def test_a_target_rule_misses_on_the_kpis_bad_side_by_at_least_min_size():
    sla = Rule("sla", "target", 0.9, min_size=0.02)  # higher is better: below 0.88 misses
    assert [sla.misses(v) for v in (0.87, 0.88, 0.885, 0.9, 0.95)] == [True, True, False, False,
                                                                       False]  # fmt: skip
    frt = Rule("frt_median", "target", 3600.0)  # lower is better, any gap counts
    assert [frt.misses(v) for v in (3599, 3600, 3601)] == [False, False, True]
    assert Rule("aht", "below", 300.0).misses(299)  # below/above ignore the KPI's direction
    with pytest.raises(ValueError, match="no threshold"):
        Rule("volume", "anomaly").misses(10)


def test_a_rule_applies_to_the_series_inside_its_scope():
    everywhere = Rule("volume", "anomaly")
    dach = Rule("volume", "anomaly", scope={"countries": ("DE", "AT")})
    dach_email = Rule("volume", "anomaly", scope={"countries": ("DE",), "channels": ("email",)})
    series = [("all", ""), ("country", "DE"), ("country", "FR"), ("language", "de")]
    assert [everywhere.applies_to(*s) for s in series] == [True, True, True, True]
    assert [dach.applies_to(*s) for s in series] == [False, True, False, False]
    assert [dach_email.applies_to(*s) for s in series] == [False, False, False, False]
