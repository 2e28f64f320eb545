from django.db import migrations

KINDS = [
    ("convention-cadre", "Convention-cadre de partenariat", False),
    ("cooperation-thematique", "Convention de coopération thématique", False),
    ("financiere", "Convention financière / de subvention", True),
    ("mutualisation", "Convention de mutualisation / groupement de commandes", False),
    ("mise-a-disposition", "Convention de mise à disposition", False),
    ("protocole", "Protocole d'accord", False),
]


def seed(apps, schema_editor):
    AgreementKind = apps.get_model("agreements", "AgreementKind")
    for slug, name, financial in KINDS:
        AgreementKind.objects.get_or_create(slug=slug, defaults={"name": name, "is_financial": financial})


class Migration(migrations.Migration):
    dependencies = [("agreements", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
