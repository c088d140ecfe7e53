from django.db import migrations

from leadbridge.people.roles import BUILTIN_ROLES


def create_roles(apps, schema_editor):
    Role = apps.get_model("people", "Role")
    for key, role in BUILTIN_ROLES.items():
        Role.objects.get_or_create(
            key=key,
            defaults={"name": role["name"], "is_admin": role["is_admin"],
                      "permissions": role["permissions"]},
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
