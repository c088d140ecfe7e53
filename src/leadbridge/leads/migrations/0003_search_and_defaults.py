from django.db import migrations

from leadbridge.core.migration_ops import trigram_index


def defaults(apps, schema_editor):
    """A new install starts with working lists, in its seed language; administrators edit them."""
    from leadbridge.demo.seeding import seed_lead_lists

    seed_lead_lists(apps)


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_initial")]

    operations = [
        trigram_index("leads_lead", "search_text", "lead_search_trgm"),
        migrations.RunPython(defaults, migrations.RunPython.noop),
    ]
