"""File the records that existed before the match-key table under their keys."""

from django.db import migrations

from leadbridge.duplicates.matching import blocking_keys, prepare

FIELDS = (
    "first_name", "last_name", "company_name", "name", "kind", "email", "other_emails",
    "phone", "mobile", "other_phones", "registration_number", "vat_id", "street", "street2",
    "postcode", "city", "country",
)  # fmt: skip
MODELS = {"lead": ("leads", "Lead"), "client": ("clients", "Client"), "contact": ("clients", "Contact")}


def index_existing(apps, schema_editor):
    MatchKey = apps.get_model("duplicates", "MatchKey")
    for record_type, (app, name) in MODELS.items():
        model = apps.get_model(app, name)
        batch = []
        for obj in model.objects.filter(deleted_at__isnull=True).iterator(chunk_size=2000):
            values = {f: getattr(obj, f) for f in FIELDS if hasattr(obj, f)}
            for key in blocking_keys(prepare(values)):
                batch.append(MatchKey(record_type=record_type, record_id=obj.pk, key=key))
            if len(batch) >= 5000:
                MatchKey.objects.bulk_create(batch)
                batch = []
        MatchKey.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("duplicates", "0001_initial"),
        ("leads", "0007_status_count_index"),
        ("clients", "0003_search"),
    ]

    operations = [migrations.RunPython(index_existing, migrations.RunPython.noop)]
