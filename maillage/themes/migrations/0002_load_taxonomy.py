from django.db import migrations


def load(apps, schema_editor):
    import csv

    from maillage.themes.services import THEMES_CSV

    Theme = apps.get_model("themes", "Theme")
    with THEMES_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            Theme.objects.update_or_create(
                slug=row["slug"],
                defaults={k: row[k] for k in ("kind", "name", "acronym", "description")},
            )


class Migration(migrations.Migration):
    dependencies = [("themes", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
