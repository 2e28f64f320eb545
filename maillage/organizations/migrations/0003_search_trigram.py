from django.db import migrations

from maillage.core.trigram import trigram_index


class Migration(migrations.Migration):
    dependencies = [("organizations", "0002_name_index")]
    operations = [trigram_index("organizations_organization", "search_text")]
