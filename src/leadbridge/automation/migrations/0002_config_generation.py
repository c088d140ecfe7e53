"""The settings generation and the triggers that change it (core/confcache.py)."""

from django.db import migrations, models

# Tables whose rows the per-process settings cache holds. A table added to the cache must
# get a trigger here (a new migration); confcache's tests check each of these.
TABLES = (
    "leads_leadstatus",
    "leads_leadsource",
    "customfields_customfielddefinition",
    "customfields_requiredfield",
    "automation_assignmentrule",
    "automation_webhooksubscription",
    "automation_tasktemplate",
    "automation_tasktemplate_statuses",
)
GEN = "automation_configgeneration"

PG_FUNCTION = f"""
CREATE SEQUENCE lb_config_generation_seq;
CREATE FUNCTION lb_config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {GEN} SET value = nextval('lb_config_generation_seq') WHERE id = 1;
    RETURN NULL;
END $$;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    run = schema_editor.execute
    if vendor not in ("postgresql", "sqlite"):
        return  # no triggers and no row: the cache then reads every time
    run(f"INSERT INTO {GEN} (id, value) VALUES (1, 0)")
    if vendor == "postgresql":
        run(PG_FUNCTION)
        for table in TABLES:
            run(
                f"CREATE TRIGGER lb_config_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION lb_config_changed()"
            )
        # System actors are cached too; other users are not (logins would churn it).
        run(
            """
            CREATE FUNCTION lb_config_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF (TG_OP <> 'INSERT' AND OLD.is_system) OR (TG_OP <> 'DELETE' AND NEW.is_system)
                THEN
                    UPDATE automation_configgeneration
                    SET value = nextval('lb_config_generation_seq') WHERE id = 1;
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER lb_config_people_user AFTER INSERT OR UPDATE OR DELETE ON people_user
                FOR EACH ROW EXECUTE FUNCTION lb_config_user_changed();
            """
        )
    elif vendor == "sqlite":
        bump = f"UPDATE {GEN} SET value = random() WHERE id = 1;"
        for table in TABLES:
            for op in ("INSERT", "UPDATE", "DELETE"):
                run(
                    f"CREATE TRIGGER lb_config_{table}_{op.lower()} AFTER {op} ON {table}"
                    f" BEGIN {bump} END"
                )
        for op, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            when = f"{row}.is_system" if op != "UPDATE" else "OLD.is_system OR NEW.is_system"
            run(
                f"CREATE TRIGGER lb_config_people_user_{op.lower()} AFTER {op} ON people_user"
                f" WHEN {when} BEGIN {bump} END"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    run = schema_editor.execute
    if vendor == "postgresql":
        for table in (*TABLES, "people_user"):
            run(f"DROP TRIGGER IF EXISTS lb_config_{table} ON {table}")
        run("DROP FUNCTION IF EXISTS lb_config_changed()")
        run("DROP FUNCTION IF EXISTS lb_config_user_changed()")
        run("DROP SEQUENCE IF EXISTS lb_config_generation_seq")
    elif vendor == "sqlite":
        for table in (*TABLES, "people_user"):
            for op in ("insert", "update", "delete"):
                run(f"DROP TRIGGER IF EXISTS lb_config_{table}_{op}")


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0001_initial"),
        ("customfields", "0001_initial"),
        ("leads", "0007_status_count_index"),
        ("people", "0002_builtin_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="ConfigGeneration",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("value", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
