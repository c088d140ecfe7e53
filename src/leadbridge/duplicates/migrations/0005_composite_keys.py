"""Match keys keyed by (key, record type, record id) and profiles by (record type, record id)
instead of a surrogate id.

The surrogate id cost an index entry and a sequence value for every key row (about ten a
lead), and the key index it needed beside it is the primary key now. Django cannot alter a
primary key into a composite one, so the rows move to new tables.
"""

from django.db import migrations, models


def _copy(apps, schema_editor):
    insert = "INSERT" if schema_editor.connection.vendor == "postgresql" else "INSERT OR IGNORE"
    tail = " ON CONFLICT DO NOTHING" if schema_editor.connection.vendor == "postgresql" else ""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"{insert} INTO duplicates_matchkey_new (record_type, record_id, key)"
            f" SELECT record_type, record_id, key FROM duplicates_matchkey{tail}"
        )
        cursor.execute(
            f"{insert} INTO duplicates_matchprofile_new (record_type, record_id, data)"
            f" SELECT record_type, record_id, data FROM duplicates_matchprofile{tail}"
        )


def _name_primary_keys(apps, schema_editor):
    """PostgreSQL keeps a renamed table's constraint names: give them the usual ones."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in ("duplicates_matchkey", "duplicates_matchprofile"):
            cursor.execute(
                f"ALTER TABLE {table} RENAME CONSTRAINT {table}_new_pkey TO {table}_pkey"
            )


class Migration(migrations.Migration):
    dependencies = [("duplicates", "0004_refile_keys")]

    operations = [
        migrations.CreateModel(
            name="NewMatchKey",
            fields=[
                ("pk", models.CompositePrimaryKey("key", "record_type", "record_id", blank=True, editable=False, primary_key=True, serialize=False)),
                ("record_type", models.CharField(max_length=10)),
                ("record_id", models.BigIntegerField()),
                ("key", models.CharField(max_length=200)),
            ],
            options={"db_table": "duplicates_matchkey_new"},
        ),
        migrations.CreateModel(
            name="NewMatchProfile",
            fields=[
                ("pk", models.CompositePrimaryKey("record_type", "record_id", blank=True, editable=False, primary_key=True, serialize=False)),
                ("record_type", models.CharField(max_length=10)),
                ("record_id", models.BigIntegerField()),
                ("data", models.TextField()),
            ],
            options={"db_table": "duplicates_matchprofile_new"},
        ),
        migrations.RunPython(_copy, migrations.RunPython.noop),
        migrations.DeleteModel(name="MatchKey"),
        migrations.DeleteModel(name="MatchProfile"),
        migrations.RenameModel(old_name="NewMatchKey", new_name="MatchKey"),
        migrations.RenameModel(old_name="NewMatchProfile", new_name="MatchProfile"),
        migrations.AlterModelTable(name="MatchKey", table=None),
        migrations.AlterModelTable(name="MatchProfile", table=None),
        migrations.RunPython(_name_primary_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="matchkey",
            index=models.Index(fields=["record_type", "record_id"], name="matchkey_record"),
        ),
    ]
