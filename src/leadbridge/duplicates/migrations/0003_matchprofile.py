"""Match profiles: the matcher's view of each record, so the finder need not normalize again."""

from django.db import migrations, models

from leadbridge.duplicates.matching import encode, prepare

FIELDS = (
    "first_name", "last_name", "company_name", "name", "kind", "email", "other_emails",
    "phone", "mobile", "other_phones", "registration_number", "vat_id", "street", "street2",
    "postcode", "city", "country",
)  # fmt: skip
MODELS = {"lead": ("leads", "Lead"), "client": ("clients", "Client"), "contact": ("clients", "Contact")}


def _display(obj) -> str:
    person = " ".join(p for p in (getattr(obj, "first_name", ""), getattr(obj, "last_name", "")) if p)
    name = getattr(obj, "name", "") or getattr(obj, "company_name", "")
    return (f"{person} ({name})" if person and name else person or name) or f"#{obj.pk}"


def profile_existing(apps, schema_editor):
    MatchProfile = apps.get_model("duplicates", "MatchProfile")
    for record_type, (app, name) in MODELS.items():
        model = apps.get_model(app, name)
        batch = []
        for obj in model.objects.filter(deleted_at__isnull=True).iterator(chunk_size=2000):
            values = {f: getattr(obj, f) for f in FIELDS if hasattr(obj, f)}
            data = encode(prepare(values), _display(obj))
            batch.append(MatchProfile(record_type=record_type, record_id=obj.pk, data=data))
            if len(batch) >= 5000:
                MatchProfile.objects.bulk_create(batch)
                batch = []
        MatchProfile.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("duplicates", "0002_index_existing")]

    operations = [
        migrations.CreateModel(
            name="MatchProfile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("record_type", models.CharField(max_length=10)),
                ("record_id", models.BigIntegerField()),
                ("data", models.TextField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("record_type", "record_id"), name="matchprofile_unique_record"
                    )
                ]
            },
        ),
        migrations.RunPython(profile_existing, migrations.RunPython.noop),
    ]
