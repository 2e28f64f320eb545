from django.db import migrations

from maillage.core.trigram import trigram_index


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [trigram_index("people_person", "search_text")]
