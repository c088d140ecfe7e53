"""The shared cache's table (rate limits of the public endpoint), made with the schema, so
`leadbridge migrate`, the demo and the test databases all have it. A no-op for caches that
are not the database cache."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("webforms", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
