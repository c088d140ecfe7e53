from django.db import migrations

from leadbridge.core.migration_ops import trigram_index


def defaults(apps, schema_editor):
    """The default pipeline, in the install's seed language (demo/seeding.py)."""
    from leadbridge.demo.seeding import seed_pipeline

    seed_pipeline(apps)


class Migration(migrations.Migration):
    dependencies = [("deals", "0002_initial")]

    operations = [
        trigram_index("deals_deal", "search_text", "deal_search_trgm"),
        migrations.RunPython(defaults, migrations.RunPython.noop),
    ]
