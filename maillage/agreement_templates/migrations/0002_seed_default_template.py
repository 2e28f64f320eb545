from django.db import migrations

NAME = "Convention type"

# A copy (migrations are frozen): later edits are made in the admin, not here.
BODY = """# Convention {{ agreement.reference }}

## {{ agreement.title }}

{{ agreement.kind }}

Entre les soussignés :
{% for party in parties %}
- {{ party.name }}{% if party.siren %} (SIREN {{ party.siren }}){% endif %}, en qualité de {{ party.role|lower }} ;
{% endfor %}

ci-après désignés ensemble « les parties », il est convenu ce qui suit.

## Article 1 – Objet

{{ agreement.purpose }}

## Article 2 – Durée

{% if agreement.effective_on %}La présente convention prend effet le {{ agreement.effective_on|date:"d/m/Y" }}{% else %}La présente convention prend effet à la date de sa signature par la dernière des parties{% endif %}{% if agreement.expires_on %} et prend fin le {{ agreement.expires_on|date:"d/m/Y" }}{% elif agreement.duration_months %} pour une durée de {{ agreement.duration_months }} mois{% endif %}.

{% if agreement.tacit_renewal %}Elle est reconduite tacitement{% if agreement.renewal_period_months %} par période de {{ agreement.renewal_period_months }} mois{% endif %}, sauf dénonciation par l'une des parties, par lettre recommandée avec accusé de réception, au moins {{ agreement.notice_days }} jours avant son échéance.{% else %}Elle n'est pas reconduite tacitement : son renouvellement fait l'objet d'une nouvelle convention ou d'un avenant.{% endif %}

## Article 3 – Engagements financiers

{% if commitments %}Les parties s'engagent sur les montants suivants :

{{ commitments_table }}

Le montant total des engagements s'élève à {{ total }}.{% else %}La présente convention ne comporte pas d'engagement financier.{% endif %}

## Article 4 – Clauses particulières

{{ agreement.clauses|default:"Néant." }}

## Article 5 – Modification

Toute modification de la présente convention fait l'objet d'un avenant signé par l'ensemble des parties.

## Article 6 – Résiliation

En cas de manquement de l'une des parties à ses obligations, la présente convention peut être résiliée par les autres parties à l'expiration d'un délai de trois mois suivant l'envoi d'une mise en demeure restée sans effet.

## Article 7 – Litiges

Les parties s'efforcent de régler à l'amiable tout différend relatif à l'interprétation ou à l'exécution de la présente convention. À défaut, le litige est porté devant le tribunal administratif compétent.

## Signatures

Fait en {{ parties|length }} exemplaires originaux, à ………………………, le ………………………
{% for party in parties %}
- Pour {{ party.name }} : nom, qualité et signature
{% endfor %}
"""


def seed(apps, schema_editor):
    AgreementTemplate = apps.get_model("agreement_templates", "AgreementTemplate")
    has_default = AgreementTemplate.objects.filter(is_default=True).exists()
    AgreementTemplate.objects.get_or_create(name=NAME, defaults={"body": BODY, "is_default": not has_default})


class Migration(migrations.Migration):
    dependencies = [("agreement_templates", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
