"""Match keys and profiles filed again, as a save files them now (issue 21): profiles carry the
first and last name apart (compared field by field), and records are filed under the typo
keys too (surname in postcode, given name in city, surname sound, whole name, id one-typo
neighbourhood)."""

from importlib import import_module

from django.db import migrations

from leadbridge.duplicates.keys import prepared_row
from leadbridge.duplicates.matching import blocking_keys, encode

FIELDS = (
    "first_name", "last_name", "company_name", "name", "kind", "email", "other_emails",
    "phone", "mobile", "other_phones", "registration_number", "vat_id", "street", "street2",
    "postcode", "city", "country", "phone_normalized", "mobile_normalized",
)  # fmt: skip
# The record models and display names as the profiles migration files them.
_profiles = import_module("leadbridge.duplicates.migrations.0003_matchprofile")
MODELS, _display = _profiles.MODELS, _profiles._display


def refile(apps, schema_editor):
    MatchKey = apps.get_model("duplicates", "MatchKey")
    MatchProfile = apps.get_model("duplicates", "MatchProfile")
    MatchKey.objects.all().delete()
    MatchProfile.objects.all().delete()
    for record_type, (app, name) in MODELS.items():
        model = apps.get_model(app, name)
        keys, profiles = [], []
        for obj in model.objects.filter(deleted_at__isnull=True).iterator(chunk_size=2000):
            prepared = prepared_row({f: getattr(obj, f) for f in FIELDS if hasattr(obj, f)})
            keys += [MatchKey(record_type=record_type, record_id=obj.pk, key=k) for k in
                     blocking_keys(prepared)]  # fmt: skip
            data = encode(prepared, _display(obj))
            profiles.append(MatchProfile(record_type=record_type, record_id=obj.pk, data=data))
            if len(profiles) >= 2000:
                MatchKey.objects.bulk_create(keys)
                MatchProfile.objects.bulk_create(profiles)
                keys, profiles = [], []
        MatchKey.objects.bulk_create(keys)
        MatchProfile.objects.bulk_create(profiles)


class Migration(migrations.Migration):
    dependencies = [("duplicates", "0006_match_weights")]

    operations = [migrations.RunPython(refile, migrations.RunPython.noop)]
