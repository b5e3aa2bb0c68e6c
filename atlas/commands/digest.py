"""The attention digest for cron: what needs attention under the alert rules, written to disk
and sent by e-mail and/or to chat webhooks.

    python -m atlas digest --db PATH [--rules alerts.toml] [--from DATE --to DATE]
        [--where country=DE ...] [--lang ko] [--base-url URL] [--smtp smtp://host[:port]
        --sender ADDRESS --recipient a@b ...] [--webhook URL ...] --out digest.html

``--from`` and ``--to`` are the period's dates, as in every command, so the mail server is
``--smtp`` and the From address ``--sender``. The e-mail goes to the ``--recipient`` addresses
and to the addresses the matching rules name in ``to``; the webhook URLs the rules name are
posted to as well as ``--webhook``. Exit codes: 0, 3, 4, 5 as ``reports.delivery`` says; 2 for
a mistake on the command line or in the rules file (reported before the data is read).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from atlas.arguments import (
    add_access_arguments,
    add_filter_arguments,
    check_filter_values,
    filter_from_args,
    open_database,
)
from atlas.cli import UsageError
from data_access.catalog import read_catalog
from metrics.alert_rules import EMAIL, RulesError, default_rules, load_rules
from metrics.attention import attention
from presentation import i18n
from reports.delivery import (
    BOTH_FAILED,
    SMTP_FAILED,
    WEBHOOK_FAILED,
    check_delivery,
    deliver,
    safe_address,
)
from reports.digest import DIGEST_DAYS, build_digest
from reports.pack import default_filter, describe

PRODUCT = "Service Atlas"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        f"Without --from and --to: the {DIGEST_DAYS} days up to the data's last day.\n"
        "The digest is always written first (--out, with .txt and .json beside it); exit codes:\n"
        "0 sent (or nowhere to send), 3 e-mail failed, 4 a webhook failed, 5 both."
    )
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file to read")
    parser.add_argument("--rules", type=Path, metavar="alerts.toml",
                        help="alert rules (docs/alerts.md); default: every registry target "
                             "and anomalies in volume, SLA, FCR and CSAT")  # fmt: skip
    add_filter_arguments(parser)
    add_access_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, metavar="digest.html",
                        help="where the digest is written first")  # fmt: skip
    parser.add_argument("--lang", choices=i18n.available(), default=i18n.DEFAULT,
                        help="language of the digest (default: %(default)s)")  # fmt: skip
    parser.add_argument("--base-url", metavar="URL",
                        help="the dashboard's address, for a link under each finding")  # fmt: skip
    parser.add_argument("--smtp", metavar="smtp://[USER:PASSWORD@]HOST[:PORT]",
                        help="mail server (smtps:// for TLS from the start)")  # fmt: skip
    parser.add_argument("--sender", metavar="ADDRESS", help="the e-mail's From address")
    parser.add_argument("--recipient", action="append", default=[], metavar="ADDRESS",
                        help="e-mail the digest to this address too; repeat for more")  # fmt: skip
    parser.add_argument("--webhook", action="append", default=[], metavar="URL",
                        help="post the digest to this Slack/Teams webhook too; repeat for "
                             "more")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    bad = [address for address in args.recipient if not EMAIL.fullmatch(address)]
    if bad:
        raise UsageError(f"--recipient: not an e-mail address: {', '.join(map(repr, bad))}")
    if args.smtp and not args.sender:
        raise UsageError("--smtp needs --sender, the e-mail's From address")
    try:
        rules = load_rules(args.rules) if args.rules else default_rules()
    except RulesError as error:
        raise UsageError(str(error)) from None
    in_rules = [address for rule in rules for address in rule.recipients]
    try:
        check_delivery(args.out, args.smtp, args.webhook,
                       args.recipient + [a for a in in_rules if EMAIL.fullmatch(a)])  # fmt: skip
    except ValueError as error:
        raise UsageError(str(error)) from None
    db = open_database(args, "digest")
    requested = filter_from_args(args)
    check_filter_values(requested, db)
    try:
        flt = default_filter(db, requested, days=DIGEST_DAYS)
        items = attention(db, flt, rules)
    except ValueError as error:
        raise UsageError(str(error)) from None
    addressed = [address for item in items for address in item.recipients]
    recipients = _unique(args.recipient + [a for a in addressed if EMAIL.fullmatch(a)])
    webhooks = _unique(args.webhook + [a for a in addressed if not EMAIL.fullmatch(a)])
    with i18n.using(args.lang):
        digest = build_digest(items, title_context=f"{PRODUCT} · {describe(flt)}",
                              data_through=min(flt.end, read_catalog(db).last_day),
                              base_url=args.base_url)  # fmt: skip
    smtp = args.smtp if recipients else None  # no finding is addressed to anyone: no e-mail
    code = deliver(digest, out=args.out, smtp_url=smtp, webhooks=webhooks, sender=args.sender,
                   recipients=recipients)  # fmt: skip
    print(_summary(args.out, len(items), args.smtp, recipients, webhooks, code),
          file=sys.stderr)  # fmt: skip
    return code


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _summary(out: Path, findings: int, smtp: str | None, recipients: list[str],
             webhooks: list[str], code: int) -> str:  # fmt: skip
    """'wrote digest.html: 3 findings; e-mailed to a@b via smtp://host:25; posted to …'."""
    parts = [f"wrote {out}: {findings} finding{'' if findings == 1 else 's'}"]
    if smtp and not recipients:
        parts.append("no e-mail: no finding matched a rule that names an address")
    elif smtp and code in (SMTP_FAILED, BOTH_FAILED):
        parts.append("e-mail not sent (see above)")
    elif smtp:
        parts.append(f"e-mailed to {', '.join(recipients)} via {safe_address(smtp)}")
    elif recipients:
        parts.append(f"not e-mailed to {', '.join(recipients)}: no --smtp")
    if webhooks and code in (WEBHOOK_FAILED, BOTH_FAILED):
        parts.append("a webhook post failed (see above)")
    elif webhooks:
        parts.append(f"posted to {', '.join(safe_address(url) for url in webhooks)}")
    if len(parts) == 1:
        parts.append("sent nowhere (no --smtp, --webhook or addressed rule)")
    return "; ".join(parts)
