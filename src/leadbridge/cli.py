"""The `leadbridge` command: demo, serve, worker, migrate, createuser, token, import, backup,
restore, retention, manage."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

# Importable before Django is set up (settings and the connection are lazy; no models): the
# rest comes inside the commands.
import django
from django.conf import settings
from django.core.management import call_command, execute_from_command_line
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from leadbridge.core.errors import DomainError
from leadbridge.core.messages import PACKAGE_DIR, compile_all
from leadbridge.demo.data import DEMO_PASSWORD, DEMO_USERS
from leadbridge.imports.cli import add_parser as add_import
from leadbridge.imports.cli import run as run_import
from leadbridge.ops.backup import backup, restore
from leadbridge.ops.periodic import schedule_on_redis


def data_dir() -> Path:
    return Path(os.environ.get("LEADBRIDGE_DATA_DIR") or Path.cwd() / "leadbridge-data")


def ensure_secret_key(*, generate: bool) -> None:
    """Use SECRET_KEY from the environment, else the key in the data dir (which `demo`
    generates once), so the other commands work on a demo's data as well."""
    if os.environ.get("SECRET_KEY"):
        return
    key_file = data_dir() / "secret_key"
    if not key_file.exists():
        if not generate:
            return
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    os.environ["SECRET_KEY"] = key_file.read_text().strip()


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadbridge.settings")
    django.setup()


def call(*args: str, **options) -> None:
    call_command(*args, **options)


def prepare_demo(*, leads: int = 300, language: str | None = None, out=print) -> str:
    """Everything `demo` does before serving; returns the administrator's new password.

    `language` (cs, sk, pl, lt, vi, en) is the seed language of a new database: its lists,
    demo records and users' language; it is remembered for the migrations that seed the lists.
    """
    from django.test.utils import override_settings  # django.test: 0.1 s, only `demo` needs it

    from leadbridge.demo.loader import demo_loaded, load_demo  # models: after setup_django()
    from leadbridge.people.models import User  # models: after setup_django()

    compile_all()  # the translations (.po -> .mo), so a fresh checkout speaks every language
    # A new database's lists are seeded by the migrations, in this language.
    with override_settings(**({"LEADBRIDGE_SEED_LANGUAGE": language} if language else {})):
        call("migrate", "--no-input", verbosity=0)
    call("collectstatic", "--no-input", verbosity=0)
    admin, _ = User.objects.get_or_create(
        username="admin",
        defaults={
            "email": "admin@demo.leadbridge.example",
            "first_name": "Admin",
            "is_superuser": True,
            "is_staff": True,
            "language": language or "",
        },
    )
    password = secrets.token_urlsafe(12)
    admin.set_password(password)
    admin.is_superuser = admin.is_staff = admin.is_active = True
    admin.save()
    if not demo_loaded():
        out(f"Loading demo data ({leads} leads)…")
        load_demo(leads=leads, language=language)
    out("")
    out("Leadbridge demo")
    out(f"  administrator: admin  password: {password}")
    out(f"  demo users ({', '.join(u[0] for u in DEMO_USERS)}) password: {DEMO_PASSWORD}")
    return password


def _run_children(commands: list[list[str]]) -> int:
    """Run the server and the worker side by side; Ctrl-C or SIGTERM stops both."""
    children = [subprocess.Popen(cmd, env=os.environ.copy()) for cmd in commands]

    def stop(signum, frame):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while True:
            for child in children:
                code = child.poll()
                if code is not None:
                    stop(None, None)
                    for other in children:
                        try:
                            other.wait(timeout=20)
                        except subprocess.TimeoutExpired:
                            other.kill()
                    return code
            try:
                children[0].wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
    finally:
        stop(None, None)


# With LOG_FORMAT=json the access log is JSON too, with the request id the app answered with.
JSON_ACCESS_LOG = (
    '{"time": "%(t)s", "logger": "access", "remote": "%(h)s", "method": "%(m)s", '
    '"path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
    '"request_id": "%({x-request-id}o)s"}'
)


# The longest request line (method, path and query string) gunicorn takes; longer ones get
# its 414. Its default of 4,094 bytes cut off exports with many filters; 8,190 is its maximum.
# Documented in the OpenAPI description and docs/security.md ("Limits").
REQUEST_LINE_LIMIT = 8190


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "leadbridge.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--limit-request-line",
        str(REQUEST_LINE_LIMIT),
    ]
    if os.environ.get("LOG_FORMAT") == "json":
        command += ["--access-logformat", JSON_ACCESS_LOG]
    return command


def worker_command(extra: list[str] | None = None) -> list[str]:
    return [sys.executable, "-m", "leadbridge", "worker", *(extra or [])]


def cmd_demo(args: argparse.Namespace) -> int:
    ensure_secret_key(generate=True)
    share_metrics_between_workers()
    setup_django()
    prepare_demo(leads=args.leads, language=args.lang)
    if args.setup_only:  # the container's setup step; the app and worker run elsewhere
        return 0
    url = f"http://{args.host}:{args.port}"
    print(f"  open {url}/   API docs: {url}/api/docs")
    print("  Ctrl-C stops the server and the worker.", flush=True)
    commands = [gunicorn_command(args.host, args.port, 2)]
    if not args.no_worker:
        commands.append(worker_command())
    return _run_children(commands)


def share_metrics_between_workers() -> None:
    """gunicorn's worker processes count requests each; Prometheus' multiprocess mode sums
    them through files in one directory, emptied at start."""
    directory = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or data_dir() / "prometheus")
    if directory.exists():
        for old in directory.glob("*.db"):
            old.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def cmd_serve(args: argparse.Namespace) -> int:
    share_metrics_between_workers()
    setup_django()

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        # Serve anyway: /healthz answers, /readyz says 503 until the database is back, and
        # a supervisor does not crash-loop the service while the database restarts.
        print(f"warning: the database cannot be reached ({exc}); serving anyway", file=sys.stderr)
    else:
        if pending:
            print("warning: migrations are not applied; run `leadbridge migrate`", file=sys.stderr)
    finally:
        connection.close()  # the workers open their own
    call("collectstatic", "--no-input", verbosity=0)
    os.execv(sys.executable, gunicorn_command(args.host, args.port, args.workers))
    return 0


def cmd_worker(args: argparse.Namespace, extra: list[str]) -> int:
    """The database queue's worker, or with TASKS_URL an RQ worker node: the RQ worker and
    the periodic scheduler, side by side (docs/deploy.md, "Scaling out")."""
    setup_django()

    queues = [q.strip() for q in (args.queues or "default").split(",") if q.strip()]
    if not getattr(settings, "TASKS_URL", None):
        if args.queues:
            extra = ["--queue-name", ",".join(queues), *extra]
        execute_from_command_line(["leadbridge worker", "db_worker", *extra])
        return 0

    schedule_on_redis()  # fixed job ids: every node writing it leaves one schedule
    manage = [sys.executable, "-m", "leadbridge", "manage"]
    commands = [[*manage, "rq_work", *queues, *extra]]
    if not args.no_periodic:
        commands.append([*manage, "rq_periodic"])
    return _run_children(commands)


def cmd_backup(args: argparse.Namespace) -> int:
    setup_django()

    target = Path(args.target or data_dir() / "backups" / datetime.now().strftime("%Y%m%d-%H%M%S"))
    print(f"backup written to {backup(target)}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    setup_django()

    if not args.yes:
        print("Stop the server and the worker, then run again with --yes.", file=sys.stderr)
        return 2
    restore(Path(args.source))
    print(f"restored from {args.source}")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    setup_django()

    from leadbridge.privacy.services import retention_apply  # models: after setup_django()

    months = args.months or settings.RETENTION_MONTHS
    if months <= 0:
        print("error: set --months or RETENTION_MONTHS", file=sys.stderr)
        return 2
    ids = retention_apply(months=months, dry_run=not args.apply)
    verb = "anonymized" if args.apply else "would anonymize (dry run; --apply to do it)"
    print(f"{verb} {len(ids)} leads untouched for {months} months")
    if ids and not args.apply:
        print("  ids: " + " ".join(map(str, ids[:200])) + (" …" if len(ids) > 200 else ""))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:

    setup_django()
    compile_all()  # an upgrade brings new translations along with its migrations
    call("migrate", "--no-input")
    return 0


def cmd_compilemessages(args: argparse.Namespace) -> int:
    """The translations .po -> .mo in pure Python (no GNU gettext needed)."""

    for mo in compile_all():
        print(f"compiled {mo.relative_to(PACKAGE_DIR)}")
    return 0


def cmd_createuser(args: argparse.Namespace) -> int:
    setup_django()
    from leadbridge.people.services import user_create  # models: after setup_django()

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    generated = None
    if not password and not args.password_stdin:
        generated = password = secrets.token_urlsafe(12)
    try:
        user = user_create(
            actor=None,
            username=args.username,
            password=password,
            email=args.email or "",
            role_key=args.role,
            team_names=args.team or [],
            is_superuser=args.superuser,
        )
    except DomainError as exc:
        for issue in exc.errors:
            print(f"error: {issue.field}: {issue.message}", file=sys.stderr)
        return 2
    print(f"created user {user.username}")
    if generated:
        print(f"password: {generated}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    setup_django()
    from leadbridge.people.models import User  # models: after setup_django()
    from leadbridge.people.services import token_create  # models: after setup_django()

    user = User.objects.filter(username=args.username, is_active=True).first()
    if user is None:
        print(f"error: no active user {args.username}", file=sys.stderr)
        return 2
    _token, secret = token_create(actor=None, user=user, name=args.name)
    print(secret)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    setup_django()
    return run_import(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leadbridge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the demo: SQLite, demo data, server and worker")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--leads", type=int, default=300, help="demo leads on the first run")
    demo.add_argument(
        "--lang",
        choices=["en", "cs", "sk", "pl", "lt", "vi"],
        default=None,
        help="language of the lists, demo data and users on the first run"
        " (default: LEADBRIDGE_SEED_LANGUAGE, else en)",
    )
    demo.add_argument("--no-worker", action="store_true", help="do not start the worker")
    demo.add_argument(
        "--setup-only", action="store_true", help="migrate and load the demo data, then exit"
    )
    serve = sub.add_parser("serve", help="serve with gunicorn (production)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2)
    worker = sub.add_parser(
        "worker",
        help="run the background worker: the database queue's, or RQ's with TASKS_URL"
        " (extra args go to db_worker or rq_work)",
    )
    worker.add_argument(
        "--queues", default=None, help="comma-separated queues to work on (default: default)"
    )
    worker.add_argument(
        "--no-periodic",
        action="store_true",
        help="with TASKS_URL: run no periodic scheduler on this node",
    )
    sub.add_parser("migrate", help="apply database migrations (and compile the translations)")
    sub.add_parser("compilemessages", help="compile the translations (.po -> .mo)")
    backup = sub.add_parser("backup", help="back up the database and uploaded files")
    backup.add_argument("target", nargs="?", help="new directory (default: data dir/backups/…)")
    restore = sub.add_parser("restore", help="restore a backup (server and worker stopped)")
    restore.add_argument("source")
    restore.add_argument("--yes", action="store_true", help="the server and worker are stopped")
    retention = sub.add_parser("retention", help="anonymize leads untouched for N months")
    retention.add_argument("--months", type=int, default=0, help="default: RETENTION_MONTHS")
    retention.add_argument("--apply", action="store_true", help="do it (default: dry run)")
    createuser = sub.add_parser("createuser", help="create a login")
    createuser.add_argument("username")
    createuser.add_argument(
        "--role", choices=["administrator", "marketing", "sales", "sales_manager"]
    )
    createuser.add_argument("--team", action="append", help="team name (repeatable)")
    createuser.add_argument("--email")
    createuser.add_argument("--superuser", action="store_true")
    createuser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    token = sub.add_parser("token", help="create an API token for a user (printed once)")
    token.add_argument("username")
    token.add_argument("--name", default="cli")
    sub.add_parser("manage", help="run any Django management command", add_help=False)

    add_import(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        ensure_secret_key(generate=False)
        setup_django()
        execute_from_command_line(["leadbridge manage", *argv[1:]])
        return 0
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command != "worker" and extra:
        parser.error("unrecognized arguments: " + " ".join(extra))
    if args.command == "demo":
        return cmd_demo(args)
    ensure_secret_key(generate=False)
    handlers = {
        "serve": cmd_serve,
        "migrate": cmd_migrate,
        "compilemessages": cmd_compilemessages,
        "createuser": cmd_createuser,
        "token": cmd_token,
        "backup": cmd_backup,
        "restore": cmd_restore,
        "retention": cmd_retention,
        "import": cmd_import,
    }
    if args.command == "worker":
        return cmd_worker(args, extra)
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
