from django.db import migrations

from leadbridge.core.migration_ops import trigram_index

STAGES = [("New", "open", 10), ("Qualification", "open", 25), ("Proposal", "open", 50),
          ("Negotiation", "open", 75), ("Won", "won", 100), ("Lost", "lost", 0)]


def defaults(apps, schema_editor):
    Pipeline = apps.get_model("deals", "Pipeline")
    Stage = apps.get_model("deals", "Stage")
    if not Pipeline.objects.exists():
        pipeline = Pipeline.objects.create(name="Sales", is_default=True)
        Stage.objects.bulk_create(
            Stage(pipeline=pipeline, name=n, kind=k, probability=p, order=i)
            for i, (n, k, p) in enumerate(STAGES)
        )


class Migration(migrations.Migration):
    dependencies = [("deals", "0002_initial")]

    operations = [
        trigram_index("deals_deal", "search_text", "deal_search_trgm"),
        migrations.RunPython(defaults, migrations.RunPython.noop),
    ]
