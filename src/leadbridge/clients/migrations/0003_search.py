from django.db import migrations

from leadbridge.core.migration_ops import trigram_index


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_initial")]

    operations = [
        trigram_index("clients_client", "search_text", "client_search_trgm"),
        trigram_index("clients_contact", "search_text", "contact_search_trgm"),
    ]
