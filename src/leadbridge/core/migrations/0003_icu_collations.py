"""One ICU collation per language for sorting text by it (core/collation.py).

PostgreSQL only, and only where the server was built with ICU; elsewhere nothing happens and
lists keep the database's default order.
"""

from django.db import migrations

ICU_LOCALES = {
    "en": "en-US",
    "cs": "cs-CZ",
    "sk": "sk-SK",
    "pl": "pl-PL",
    "lt": "lt-LT",
    "vi": "vi-VN",
}


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collprovider = 'i' LIMIT 1")
        if cursor.fetchone() is None:
            return  # a server without ICU
        for language, locale in ICU_LOCALES.items():
            cursor.execute(
                f'CREATE COLLATION IF NOT EXISTS "lb_{language}" '
                f"(provider = icu, locale = '{locale}')"
            )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for language in ICU_LOCALES:
            cursor.execute(f'DROP COLLATION IF EXISTS "lb_{language}"')


class Migration(migrations.Migration):
    dependencies = [("core", "0002_saved_filters")]

    operations = [migrations.RunPython(create, drop)]
