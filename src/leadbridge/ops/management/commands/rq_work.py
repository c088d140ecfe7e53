"""An RQ worker on the task queues (TASKS_URL); `leadbridge worker` starts it."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from leadbridge.ops.rq import worker


class Command(BaseCommand):
    help = "Run an RQ worker on the given queues (default: default); needs TASKS_URL."

    def add_arguments(self, parser):
        parser.add_argument("queues", nargs="*", default=["default"])
        parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
        parser.add_argument("--name", default=None, help="the worker's name (default: random)")
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="do not move due run_after jobs (retries, reminders) to the queue",
        )

    def handle(self, *args, **options):
        if not getattr(settings, "TASKS_URL", None):
            raise CommandError("TASKS_URL is not set: `leadbridge worker` runs the database queue")

        unknown = [q for q in options["queues"] if q not in settings.RQ_QUEUES]
        if unknown:
            raise CommandError(f"unknown queue(s): {', '.join(unknown)}")
        rq_worker = worker(options["queues"], name=options["name"])
        connections.close_all()  # each job runs in a forked work-horse that opens its own
        # `with_scheduler`: one worker per queue (an RQ lock) moves due `run_after` jobs.
        rq_worker.work(
            burst=options["burst"],
            with_scheduler=not options["no_scheduler"],
            logging_level="WARNING" if options["verbosity"] < 2 else "DEBUG",
        )
