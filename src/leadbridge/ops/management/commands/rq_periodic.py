"""The periodic scheduler of an RQ worker node (ops/periodic.py); `leadbridge worker` starts
it on every node and rq-scheduler's Redis lock lets one of them enqueue each run."""

from __future__ import annotations

import logging
import warnings

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from leadbridge.ops.periodic import schedule_on_redis, scheduler


class Command(BaseCommand):
    help = "Write the periodic schedule to Redis and run rq-scheduler's loop; needs TASKS_URL."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="enqueue what is due, then stop")

    def handle(self, *args, **options):
        if not getattr(settings, "TASKS_URL", None):
            raise CommandError("TASKS_URL is not set: run the periodic commands from cron")

        schedule_on_redis()
        # The nodes that do not hold the lock say so every interval: not worth a warning.
        logging.getLogger("rq_scheduler.scheduler").setLevel(logging.ERROR)
        # crontab's notice about its future default; the schedule is in UTC either way.
        warnings.filterwarnings("ignore", category=FutureWarning, module="rq_scheduler")
        scheduler().run(burst=options["burst"])
