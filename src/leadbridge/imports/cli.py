"""`leadbridge import FILE --mapping …`: an import from the terminal with a progress bar.

Runs the same job and batch engine as the worker (in this process, so a terminal import
needs no worker running), and prints where the error report can be fetched.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from leadbridge.core.errors import DomainError
from leadbridge.duplicates.policy import DEPRECATED, OnDuplicate

from .mapping import header_key


def add_parser(sub) -> None:
    p = sub.add_parser("import", help="import leads from a CSV, XLSX or XLS file")
    p.add_argument("file")
    p.add_argument(
        "--mapping",
        help='JSON file or inline JSON: {"Header": "field", …} or '
        '{"columns": [...], "constants": {...}}; default: the suggested mapping',
    )
    p.add_argument("--user", default="admin", help="the user the import acts as")
    p.add_argument("--sheet")
    p.add_argument("--encoding")
    p.add_argument("--delimiter")
    p.add_argument(
        "--on-duplicate",
        default="skip",
        choices=[*OnDuplicate.values, *DEPRECATED],
        help="what a row matching a lead does (docs/imports.md); update: a deprecated alias "
        "of fill",
    )
    p.add_argument(
        "--match-on", default="any", choices=["any", "email", "phone", "registration_number"]
    )
    p.add_argument("--create-missing", action="store_true", help="create unknown statuses/sources")
    p.add_argument(
        "--run-automations",
        action="store_true",
        help="fire webhooks, status task templates and assignment rules for the new leads",
    )
    p.add_argument("--constant", action="append", default=[], help="field=value (repeatable)")
    p.add_argument("--errors", help="write the error report (CSV) to this file")
    p.add_argument("--dry-run", action="store_true", help="show the mapping and a preview only")
    p.add_argument("--batch-size", type=int, default=None, help="rows per committed batch")


def _mapping(raw: str | None, headers: list[str], suggested: dict) -> dict:
    if not raw:
        return suggested
    text = Path(raw).read_text() if os.path.exists(raw) else raw
    data = json.loads(text)
    if "columns" in data:
        return data
    by_header = {header_key(k): v for k, v in data.items()}
    return suggested | {"columns": [by_header.get(header_key(h), "") for h in headers]}


def _bar(done: int, total: int | None, rate: float, width: int = 30) -> str:
    if not total:
        return f"{done} rows  {rate:,.0f} rows/s"
    filled = int(width * done / total)
    left = (total - done) / rate if rate else 0
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
        f"{rate:,.0f} rows/s  {left:,.0f} s left"
    )


def run(args: argparse.Namespace) -> int:
    from leadbridge.people.models import User  # models: after setup_django()

    from . import engine, jobs  # models: after setup_django()
    from .exports import csv_stream  # models: after setup_django()

    user = User.objects.filter(username=args.user, is_active=True).first()
    if user is None:
        print(f"error: no active user {args.user}", file=sys.stderr)
        return 2
    path = Path(args.file)
    try:
        with path.open("rb") as stream:
            job = jobs.import_upload(
                actor=user,
                filename=path.name,
                stream=stream,
                size=path.stat().st_size,
                sheet=args.sheet,
                encoding=args.encoding,
                delimiter=args.delimiter,
            )
        mapping = _mapping(args.mapping, job.headers, job.mapping)
        for pair in args.constant:
            field, _, value = pair.partition("=")
            mapping.setdefault("constants", {})[field.strip()] = value
        job = jobs.import_set_mapping(
            actor=user,
            job_id=job.pk,
            mapping=mapping,
            on_duplicate=args.on_duplicate,
            match_on=args.match_on,
            create_missing=args.create_missing,
            run_automations=args.run_automations,
        )
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        for issue in exc.errors:
            print(f"  {issue.field}: {issue.message}", file=sys.stderr)
        return 2
    print(f"import #{job.pk}: {job.filename} ({job.format}, {job.encoding or job.sheet})")
    for header, field in zip(job.headers, job.mapping["columns"], strict=False):
        print(f"  {header!r:30} -> {field or '(skipped)'}")
    if args.dry_run:
        preview = jobs.import_preview(actor=user, job_id=job.pk, limit=5)
        for row in preview["rows"]:
            print(f"  line {row['line']}: {row['values'] or row['errors']}")
        return 0
    job.status = job.Status.QUEUED
    job.save(update_fields=["status"])
    started = time.monotonic()
    tty = sys.stderr.isatty()

    def show(current) -> None:
        rate = current.rows_done / max(time.monotonic() - started, 1e-6)
        line = _bar(current.rows_done, current.rows_total, rate)
        print(("\r" if tty else "") + line, end="" if tty else "\n", file=sys.stderr, flush=True)

    job = engine.run_job(job.pk, batch_size=args.batch_size or engine.BATCH_SIZE, on_batch=show)
    if tty:
        print(file=sys.stderr)
    elapsed = time.monotonic() - started
    print(
        f"{job.status}: {job.rows_done} rows in {elapsed:.1f} s "
        f"({job.rows_done / max(elapsed, 1e-6):,.0f} rows/s): created {job.rows_created}, "
        f"updated {job.rows_updated}, skipped {job.rows_skipped}, failed {job.rows_failed} "
        f"(duplicates {job.rows_duplicate})"
    )
    if job.rows_failed and args.errors:
        with open(args.errors, "wb") as out:
            for chunk in csv_stream(jobs.error_report_rows(job)):
                out.write(chunk)
        print(f"error report: {args.errors}")
    elif job.rows_failed:
        print(f"error report: GET /api/imports/{job.pk}/errors (or --errors FILE)")
    return 0 if job.status == job.Status.DONE else 1
