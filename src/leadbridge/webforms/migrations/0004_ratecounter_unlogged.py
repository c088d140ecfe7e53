"""On PostgreSQL the rate counters need no crash safety (a crash resets a minute's counts):
an UNLOGGED table writes no WAL, so counting a submission does not wait for a disk flush."""

from django.db import migrations


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE webforms_ratecounter SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE webforms_ratecounter SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("webforms", "0003_ratecounter")]

    operations = [migrations.RunPython(unlogged, logged)]
