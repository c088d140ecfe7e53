from django.core.management.base import BaseCommand

from leadbridge.automation.sweep import outbound_sweep


class Command(BaseCommand):
    help = "Re-enqueue webhook deliveries and e-mails whose task was lost (run from cron)."

    def handle(self, *args, **options):
        done = outbound_sweep()
        self.stdout.write(f"re-enqueued {done['webhooks']} deliveries, {done['emails']} e-mails")
