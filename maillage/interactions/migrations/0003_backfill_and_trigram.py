from django.db import migrations

from maillage.core.trigram import trigram_index


def backfill(apps, schema_editor):
    from maillage.core.text import normalize

    Interaction = apps.get_model("interactions", "Interaction")
    for interaction in Interaction.objects.only("pk", "subject").iterator(chunk_size=2000):
        Interaction.objects.filter(pk=interaction.pk).update(search_text=normalize(interaction.subject)[:250])


class Migration(migrations.Migration):
    dependencies = [("interactions", "0002_search_text")]
    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        trigram_index("interactions_interaction", "search_text"),
    ]
