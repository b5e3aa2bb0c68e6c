"""``python -m atlas access --access access.toml [--as-user EMAIL --as-group GROUP]``: check an
access file before the dashboard uses it (every bad line, exit code 2) and show what one user
would see."""

from __future__ import annotations

import argparse

from atlas.arguments import add_access_arguments
from atlas.cli import UsageError
from data_access.access import AccessError, access_location, load_access
from presentation import format as fmt


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_access_arguments(parser)


def run(args: argparse.Namespace) -> int:
    location = args.access or access_location()
    if not location:
        raise UsageError("name the access file: --access FILE or $SERVICE_ATLAS_ACCESS")
    try:
        access = load_access(location)
    except AccessError as error:
        raise UsageError(str(error)) from None
    print(f"{location}: {len(access.rules)} rules, all valid")
    if args.as_user:
        claims = {"email": args.as_user, "sub": args.as_user, access.groups_claim: args.as_group}
        scope = access.scope_for(claims)
        if scope.sees_nothing:
            print(f"{args.as_user}: no rule matches: sees nothing (ask: {access.contact or '-'})")
        else:
            print(f"{args.as_user}: {fmt.access_scope(scope)} (rules: {', '.join(scope.rules)})")
    return 0
