"""The `leadbridge` command: demo, serve, worker, migrate, createuser, token, manage."""

from __future__ import annotations

import argparse
import os
import sys


def _django(settings_env: dict | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadbridge.settings")
    for key, value in (settings_env or {}).items():
        os.environ.setdefault(key, value)
    import django

    django.setup()


def cmd_manage(args: list[str]) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["leadbridge manage", *args])
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="leadbridge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("manage", help="run a Django management command", add_help=False)
    if argv and argv[0] == "manage":
        return cmd_manage(argv[1:])
    parser.parse_args(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
