"""One `on_duplicate` vocabulary (duplicates/policy.py). An import's "update" replaced a
lead's values with the row's non-empty ones: that is now "overwrite" ("update" became a
deprecated alias of "fill", what it always meant in the API), so stored jobs keep what
they asked for."""

from django.db import migrations, models


def update_to_overwrite(apps, schema_editor):
    ImportJob = apps.get_model("imports", "ImportJob")
    ImportJob.objects.filter(on_duplicate="update").update(on_duplicate="overwrite")


def overwrite_to_update(apps, schema_editor):
    ImportJob = apps.get_model("imports", "ImportJob")
    ImportJob.objects.filter(on_duplicate="overwrite").update(on_duplicate="update")


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_importjob_run_lease"),
    ]

    operations = [
        migrations.RunPython(update_to_overwrite, overwrite_to_update, elidable=False),
        migrations.AlterField(
            model_name="importjob",
            name="on_duplicate",
            field=models.CharField(
                choices=[
                    ("allow", "create a new record anyway"),
                    ("reject", "refuse the new record"),
                    ("skip", "create nothing"),
                    ("fill", "fill the existing record's empty fields"),
                    ("overwrite", "replace the existing record's values with the new ones"),
                    ("link", "add the values as a note on the existing record"),
                ],
                default="skip",
                max_length=10,
            ),
        ),
    ]
