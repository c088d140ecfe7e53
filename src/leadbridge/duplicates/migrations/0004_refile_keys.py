"""Match keys and profiles filed again: the matcher now reads the first street line (the
second only in its stead), strips street words typed glued to the name, and files each name
word at its house ("h" keys). Keys of the old shape would miss those pairs."""

from importlib import import_module

from django.db import migrations

_keys = import_module("leadbridge.duplicates.migrations.0002_index_existing")
_profiles = import_module("leadbridge.duplicates.migrations.0003_matchprofile")


def refile(apps, schema_editor):
    apps.get_model("duplicates", "MatchKey").objects.all().delete()
    apps.get_model("duplicates", "MatchProfile").objects.all().delete()
    _keys.index_existing(apps, schema_editor)
    _profiles.profile_existing(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("duplicates", "0003_matchprofile")]

    operations = [migrations.RunPython(refile, migrations.RunPython.noop)]
