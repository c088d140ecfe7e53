"""Each lead's next activity stored on it (the list and the board show it without a query
per row), backfilled from the activities; lost reasons (seeded in the install's language) and
the reason on the lead; an index for the board's per-currency column totals."""

import django.db.models.deletion
from django.db import migrations, models


def backfill_next_activity(apps, schema_editor):
    """One UPDATE for every lead, the same expression the activity services use."""
    from django.db.models import OuterRef, Q, Subquery, Value
    from django.db.models.functions import Coalesce

    Activity = apps.get_model("activities", "Activity")
    Lead = apps.get_model("leads", "Lead")
    first = (
        Activity.objects.filter(
            Q(deleted_at__isnull=True, done=False, due_at__isnull=False) & ~Q(type="note"),
            links__record_type="lead",
            links__record_id=OuterRef("pk"),
        )
        .order_by("due_at", "id")
        .values("pk", "due_at", "subject")[:1]
    )
    Lead.objects.update(
        next_activity_id=Subquery(first.values("pk")),
        next_activity_at=Subquery(first.values("due_at")),
        next_activity_subject=Coalesce(Subquery(first.values("subject")), Value("")),
    )


def seed_lost_reasons(apps, schema_editor):
    from leadbridge.demo.seeding import seed_lost_reasons as seed

    seed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0008_plain_indexes"),
        ("activities", "0002_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="LostReason",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                ("order", models.PositiveIntegerField(default=0)),
                ("active", models.BooleanField(default=True)),
            ],
            options={"ordering": ["order", "id"]},
        ),
        migrations.AddField(
            model_name="lead",
            name="lost_reason",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="leads",
                to="leads.lostreason",
            ),
        ),
        migrations.AddField(
            model_name="lead",
            name="next_activity_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="lead",
            name="next_activity_id",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="lead",
            name="next_activity_subject",
            field=models.CharField(blank=True, default="", editable=False, max_length=255),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True), ("is_converted", False)),
                fields=["status", "currency", "expected_value"],
                name="lead_live_status_value",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True), ("is_converted", False)),
                fields=["next_activity_at", "id"],
                name="lead_live_next_activity",
            ),
        ),
        migrations.RunPython(backfill_next_activity, migrations.RunPython.noop),
        migrations.RunPython(seed_lost_reasons, migrations.RunPython.noop),
    ]
