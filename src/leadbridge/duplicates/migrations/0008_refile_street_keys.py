"""Match keys filed again for the street-in-its-town key (`b`, issue 21): an installation that
ran 0007 has none, and a record missing it is never a candidate by it until it is saved.
The refile is 0007's (every key and profile as a save files them now)."""

from importlib import import_module

from django.db import migrations

refile = import_module("leadbridge.duplicates.migrations.0007_refile_typo_keys").refile


class Migration(migrations.Migration):
    dependencies = [("duplicates", "0007_refile_typo_keys")]

    operations = [migrations.RunPython(refile, migrations.RunPython.noop)]
