"""Each lead's next activity stored on it (the list and the board show it without a query
per row), backfilled from the activities; lost reasons (seeded in the install's language) and
the reason on the lead; an index for the board's per-currency column totals."""

import django.db.models.deletion
from django.db import migrations, models


def backfill_next_activity(apps, schema_editor):
    """The rule of activities/next_activity.py for every lead, in one UPDATE. PostgreSQL picks
    each lead's first open activity in one pass (DISTINCT ON; 100,000 leads in seconds rather
    than three correlated lookups a lead); other databases take the services' expression."""
    from django.db import connection
    from django.db.models import OuterRef, Q, Subquery, Value
    from django.db.models.functions import Coalesce

    Activity = apps.get_model("activities", "Activity")
    Lead = apps.get_model("leads", "Lead")
    if connection.vendor == "postgresql":
        link = apps.get_model("activities", "ActivityLink")._meta.db_table
        # Recompute, not only fill: leads with nothing open any more are cleared first.
        Lead.objects.exclude(next_activity_id=None, next_activity_subject="").update(
            next_activity_id=None, next_activity_at=None, next_activity_subject=""
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {Lead._meta.db_table} AS l
                SET next_activity_id = n.id, next_activity_at = n.due_at,
                    next_activity_subject = n.subject
                FROM (
                    SELECT DISTINCT ON (k.record_id) k.record_id, a.id, a.due_at, a.subject
                    FROM {link} AS k JOIN {Activity._meta.db_table} AS a ON a.id = k.activity_id
                    WHERE k.record_type = 'lead' AND a.deleted_at IS NULL AND NOT a.done
                      AND a.due_at IS NOT NULL AND a.type <> 'note'
                    ORDER BY k.record_id, a.due_at, a.id
                ) AS n
                WHERE l.id = n.record_id
                """
            )
        return
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
        # Filled before its index is made: one index fewer to write per lead.
        migrations.RunPython(backfill_next_activity, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True), ("is_converted", False)),
                fields=["next_activity_at", "id"],
                name="lead_live_next_activity",
            ),
        ),
        migrations.RunPython(seed_lost_reasons, migrations.RunPython.noop),
    ]
