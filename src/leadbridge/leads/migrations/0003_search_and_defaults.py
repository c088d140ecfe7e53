from django.db import migrations

from leadbridge.core.migration_ops import trigram_index

STATUSES = [
    # name, colour, kind, on board
    ("New", "#3b82f6", "open", True),
    ("Not contacted", "#6366f1", "open", True),
    ("Contacted", "#0ea5e9", "open", True),
    ("Qualified", "#10b981", "open", True),
    ("Converted", "#22c55e", "converted", True),
    ("Lost", "#ef4444", "lost", False),
]
SOURCES = ["Web form", "Website", "Phone call", "E-mail", "Referral", "Trade fair", "Import",
           "Other"]


def defaults(apps, schema_editor):
    """A new install starts with working lists; administrators edit them."""
    LeadStatus = apps.get_model("leads", "LeadStatus")
    LeadSource = apps.get_model("leads", "LeadSource")
    if not LeadStatus.objects.exists():
        LeadStatus.objects.bulk_create(
            LeadStatus(name=n, color=c, kind=k, on_board=b, order=i)
            for i, (n, c, k, b) in enumerate(STATUSES)
        )
    if not LeadSource.objects.exists():
        LeadSource.objects.bulk_create(LeadSource(name=n, order=i) for i, n in enumerate(SOURCES))


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_initial")]

    operations = [
        trigram_index("leads_lead", "search_text", "lead_search_trgm"),
        migrations.RunPython(defaults, migrations.RunPython.noop),
    ]
