"""Built-in roles get the "documents" right wherever they may update records of a type
(the issuers: sales on their clients and deals and their teams' leads, managers, marketing
on leads). Administrators have every right anyway; edited roles keep what they have."""

from django.db import migrations


def grant(apps, schema_editor):
    Role = apps.get_model("people", "Role")
    for role in Role.objects.filter(key__in=["marketing", "sales", "sales_manager"]):
        permissions = role.permissions or {}
        changed = False
        for record_type in ("lead", "client", "deal"):
            entry = permissions.get(record_type) or {}
            rights = list(entry.get("rights") or [])
            if "update" in rights and "documents" not in rights:
                entry["rights"] = rights + ["documents"]
                permissions[record_type] = entry
                changed = True
        if changed:
            role.permissions = permissions
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial"), ("people", "0002_builtin_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
