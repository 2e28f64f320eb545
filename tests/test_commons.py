"""Digital commons: publiccode.yml import through the pages, exports (publiccode.yml, projets-territoire)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from frictionless import Package, Resource, Schema

from maillage.commons import projets_territoire, publiccode, services
from maillage.commons.forms import sign_payload
from maillage.core.concurrency import ConcurrentEditError
from maillage.innovation.models import Solution
from tests import access_targets_commons as targets
from tests.conftest import login
from tests.factories_innovation import make_replication, make_solution
from tests.i18n import fr
from tests.test_access_matrix import EXPECTED, ROLES, declared_rule, iter_urls, outcome, user_for

pytestmark = pytest.mark.django_db

EXAMPLES = publiccode.STANDARDS_DIR / "publiccode-yml" / "examples"
FULL_EXAMPLE = EXAMPLES / "v0.7.0" / "publiccode.yml"
MINIMAL_EXAMPLE = EXAMPLES / "v0.7.0" / "publiccode.minimal.yml"
LEGACY_EXAMPLE = EXAMPLES / "v0.5.0" / "publiccode.yml"
IMPORT_URL = "/innovation/communs/importer/"
CONFIRM_URL = "/innovation/communs/importer/confirmer/"


def french_document(url: str = "https://git.example.org/montreuil/cantine.git", **changes) -> str:
    data = {
        "publiccodeYmlVersion": "0",
        "name": "Cantine « bio » ; l'appli",
        "url": url,
        "platforms": ["web"],
        "developmentStatus": "beta",
        "softwareType": "standalone/web",
        "description": {"fr": {"shortDescription": "Réserver les repas de la cantine en ligne."}},
        "legal": {"license": "EUPL-1.2"},
        "maintenance": {"type": "internal", "contacts": [{"name": "Zoé Lambert"}]},
        "localisation": {"localisationReady": True, "availableLanguages": ["fr"]},
    }
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def preview(client, *, text: str | None = None, upload: bytes | None = None, organization=None, **extra):
    data = {"visibility": "public", **extra}
    if organization is not None:
        data["organization"] = organization.pk
    if text is not None:
        data["text"] = text
    if upload is not None:
        data["document"] = SimpleUploadedFile("publiccode.yml", upload, content_type="application/yaml")
    return client.post(IMPORT_URL, data)


def payload_of(response) -> str:
    match = re.search(r'name="payload" value="([^"]+)"', response.content.decode())
    assert match, "no confirmation form on the preview"
    return match.group(1)


def import_document(client, **kwargs):
    response = preview(client, **kwargs)
    assert response.status_code == 200
    return client.post(CONFIRM_URL, {"payload": payload_of(response)})


def page_errors(client) -> str:
    return client.get(IMPORT_URL).content.decode()


# --- Import ---------------------------------------------------------------------------------------------


def test_correspondent_imports_an_official_example_then_reimports_it(personas):
    client = login(personas.camille)
    response = preview(client, upload=FULL_EXAMPLE.read_bytes(), organization=personas.montreuil)
    html = response.content.decode()
    assert "Medusa" in html and "AGPL-3.0-or-later" in html and "Francesco Rossi" in html
    assert "description.en.shortDescription" in html
    assert Solution.objects.count() == 0  # a preview writes nothing

    response = client.post(CONFIRM_URL, {"payload": payload_of(response)})
    assert response.status_code == 302
    solution = Solution.objects.get()
    assert solution.title == "Medusa"
    assert solution.kind == "digital_common"
    assert solution.stage == "experimentation"
    assert solution.visibility == "public"
    assert solution.origin_commune_id == "93048"
    assert list(solution.holders.all()) == [personas.montreuil]
    assert solution.publiccode["IT"]["piattaforme"]["spid"] is True
    version = solution.version

    response = import_document(client, upload=FULL_EXAMPLE.read_bytes(), organization=personas.montreuil)
    assert response.status_code == 302
    assert Solution.objects.count() == 1
    solution.refresh_from_db()
    assert solution.version == version + 1
    assert solution.visibility == "public"


def test_staff_pastes_a_document_without_holder(personas):
    client = login(personas.arthur)
    response = import_document(client, text=MINIMAL_EXAMPLE.read_text(encoding="utf-8"))
    assert response.status_code == 302
    solution = Solution.objects.get()
    assert solution.holders.count() == 0 and solution.origin_commune_id is None
    follow = client.get(response["Location"])
    assert (
        fr("The solution « %(title)s » was created from the publiccode.yml.") % {"title": "Medusa"}
        in follow.content.decode()
    )


def test_reimport_matches_another_spelling_of_the_repository(personas):
    client = login(personas.camille)
    import_document(client, text=french_document(), organization=personas.montreuil)
    changed = french_document(url="https://git.example.org/montreuil/cantine/", name="Cantine 2")
    import_document(client, text=changed, organization=personas.montreuil)
    solution = Solution.objects.get()
    assert solution.title == "Cantine 2"
    assert solution.repository_url == "https://git.example.org/montreuil/cantine/"


def test_update_keeps_stage_kind_and_visibility_and_adds_holder(personas):
    existing = make_solution(
        title="Ancien titre",
        kind="digital_service",
        stage="generalisation",
        visibility="internal",
        holders=[personas.vincennes],
        repository_url="https://git.example.org/montreuil/cantine.git",
    )
    services.publiccode_import(
        user=personas.arthur,
        data=french_document(),
        organization=personas.montreuil,
        expected_solution=existing.pk,
        expected_version=existing.version,
    )
    existing.refresh_from_db()
    assert existing.title == "Cantine « bio » ; l'appli"
    assert (existing.kind, existing.stage, existing.visibility) == (
        "digital_service",
        "generalisation",
        "internal",
    )
    assert set(existing.holders.all()) == {personas.vincennes, personas.montreuil}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"text": 'name: "Medusa\nurl: [x\n'}, "YAML"),
        (
            {"text": french_document(description={"fr": {"shortDescription": "é" * 212}})},
            "description.fr.shortDescription</code> : 150 caractères au plus (actuellement 212)",
        ),
        ({"text": french_document(publiccodeYmlVersion="9.9")}, "publiccodeYmlVersion</code> : "),
        ({"upload": LEGACY_EXAMPLE.read_bytes()}, "intendedAudience.countries[0]</code> : "),
        ({"upload": "name: Médusa".encode("latin-1")}, "UTF-8"),
        ({"text": french_document(url="ssh://git.example.org/x.git")}, "url</code> : "),
    ],
    ids=["yaml", "schema", "version", "legacy", "encoding", "url"],
)
def test_bad_documents_show_french_errors_and_write_nothing(personas, kwargs, expected):
    client = login(personas.camille)
    response = preview(client, organization=personas.montreuil, **kwargs)
    html = response.content.decode()
    assert response.status_code == 200
    assert expected in html
    assert 'name="payload"' not in html
    assert Solution.objects.count() == 0


def test_all_schema_errors_are_listed_at_once(personas):
    client = login(personas.camille)
    text = french_document(developmentStatus="fini", platforms="web", legal={})
    html = preview(client, text=text, organization=personas.montreuil).content.decode()
    for path in ("developmentStatus", "platforms", "legal.license"):
        assert f"<code>{path}</code>" in html
    assert "3 problèmes" in html


def test_too_large_file_is_refused(personas):
    client = login(personas.camille)
    big = french_document().encode() + b"#" * (publiccode.MAX_BYTES + 1)
    html = preview(client, upload=big, organization=personas.montreuil).content.decode()
    assert "1 Mo" in html and 'name="payload"' not in html
    assert Solution.objects.count() == 0


def test_nothing_is_refused_and_a_file_wins_over_text(personas):
    client = login(personas.camille)
    html = preview(client, organization=personas.montreuil).content.decode()
    assert fr("Choose a publiccode.yml file or paste its content.").replace("'", "&#x27;") in html
    # A file chosen on the page wins over the text left in the text area.
    both = preview(client, organization=personas.montreuil, text="a: [", upload=french_document().encode())
    assert 'name="payload"' in both.content.decode()


def test_correspondent_cannot_import_for_another_organisation(personas):
    client = login(personas.camille)
    html = preview(client, text=french_document(), organization=personas.vincennes).content.decode()
    assert "Ville de Montreuil" in html or personas.montreuil.name in html
    assert 'name="payload"' not in html
    # Nor by signing a payload for another organisation themselves: the service checks again.
    forged = sign_payload(
        {
            "user": personas.camille.pk,
            "text": french_document(),
            "organization": personas.vincennes.pk,
            "visibility": "public",
            "solution": None,
            "version": None,
        }
    )
    client.post(CONFIRM_URL, {"payload": forged})
    assert Solution.objects.count() == 0
    assert personas.montreuil.name in page_errors(client)


def test_forged_confirmation_is_refused(personas):
    client = login(personas.camille)
    response = preview(client, text=french_document(), organization=personas.montreuil)
    payload = payload_of(response)
    tampered = payload[:-3] + ("aaa" if not payload.endswith("aaa") else "bbb")
    response = client.post(CONFIRM_URL, {"payload": tampered})
    assert response.status_code == 302 and response["Location"] == IMPORT_URL
    assert Solution.objects.count() == 0
    message = fr("The confirmation data were modified: nothing was imported. Start the import again.")
    assert message.replace("'", "&#x27;") in page_errors(client)
    # A payload signed for camille is refused for bruno.
    other = login(personas.bruno)
    other.post(CONFIRM_URL, {"payload": payload})
    assert Solution.objects.count() == 0
    # Extra fields in the confirmation are ignored: the signed organisation is the one used.
    client.post(CONFIRM_URL, {"payload": payload, "organization": personas.vincennes.pk})
    assert list(Solution.objects.get().holders.all()) == [personas.montreuil]


def test_correspondent_cannot_update_a_solution_of_another_organisation(personas):
    make_solution(
        holders=[personas.vincennes],
        origin="94080",
        repository_url="https://git.example.org/montreuil/cantine.git",
    )
    client = login(personas.camille)
    html = preview(client, text=french_document(), organization=personas.montreuil).content.decode()
    assert "<code>url</code>" in html and 'name="payload"' not in html
    assert Solution.objects.get().title == "Cour Oasis"


def test_catalogue_change_between_preview_and_confirmation(personas):
    client = login(personas.camille)
    response = preview(client, text=french_document(), organization=personas.montreuil)
    make_solution(
        holders=[personas.montreuil], repository_url="https://git.example.org/montreuil/cantine.git"
    )
    client.post(CONFIRM_URL, {"payload": payload_of(response)})
    assert Solution.objects.get().title == "Cour Oasis"
    with pytest.raises(ConcurrentEditError):
        services.publiccode_import(
            user=personas.camille, data=french_document(), organization=personas.montreuil
        )


def test_catalogue_rules_are_named_by_document_field(personas):
    preview_ = services.publiccode_preview(
        user=personas.arthur, data=french_document(name="N" * 300), organization=None
    )
    assert [error.path for error in preview_.errors] == ["name"]
    assert not preview_.is_valid


def test_import_is_atomic_when_a_write_fails(personas, monkeypatch):
    from maillage.innovation import services as innovation_services

    def fail(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(innovation_services, "_set_relations", lambda *a, **k: fail())
    with pytest.raises(RuntimeError):
        services.publiccode_import(
            user=personas.camille, data=french_document(), organization=personas.montreuil
        )
    assert Solution.objects.count() == 0


# --- publiccode.yml export -----------------------------------------------------------------------------


def test_export_follows_visibility_and_validates(personas, client):
    public = make_solution(
        title="Démarches",
        kind="digital_common",
        licence="MIT",
        repository_url="https://git.example.org/a.git",
        description="d" * 200,
    )
    internal = make_solution(
        title="Interne", visibility="internal", licence="MIT", repository_url="https://git.example.org/b.git"
    )
    incomplete = make_solution(title="Sans dépôt")
    url = reverse("commons:publiccode_export", kwargs={"pk": public.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    parsed = publiccode.parse(response.content)
    assert parsed.errors == []
    assert parsed.document["name"] == "Démarches"
    internal_url = reverse("commons:publiccode_export", kwargs={"pk": internal.pk})
    assert client.get(internal_url).status_code == 404
    assert login(personas.bruno).get(internal_url).status_code == 200
    assert client.get(reverse("commons:publiccode_export", kwargs={"pk": incomplete.pk})).status_code == 404
    assert client.get(reverse("commons:publiccode_export", kwargs={"pk": 999999})).status_code == 404


def test_imported_example_exports_back_without_loss(personas):
    client = login(personas.arthur)
    import_document(client, upload=FULL_EXAMPLE.read_bytes())
    solution = Solution.objects.get()
    response = client.get(reverse("commons:publiccode_export", kwargs={"pk": solution.pk}))
    exported = publiccode.parse(response.content)
    assert exported.errors == []
    original = publiccode.parse(FULL_EXAMPLE.read_bytes()).document
    assert {k: v for k, v in exported.document.items() if k != "description"} == {
        k: v for k, v in original.items() if k != "description"
    }


# --- projets-territoire export -----------------------------------------------------------------------


def demo_like_catalogue(personas) -> list[Solution]:
    personas.montreuil.siret = "21930048000015"
    personas.montreuil.save(update_fields=["siret"])
    first = make_solution(
        title='Cour « Oasis » ; "fraîcheur", végétalisée',
        summary="Désimperméabiliser ; planter, ombrager.",
        description='Ligne 1\nLigne 2 avec « guillemets » et "quotes", virgule, point-virgule ;',
        cost_eur=Decimal("125000.50"),
        stage="deployment",
        holders=[personas.montreuil],
    )
    make_replication(first, "94080", date=dt.date(2025, 1, 10))
    make_replication(first, "93066", date=dt.date(2025, 2, 1))
    second = make_solution(title="Idée sans commune", origin=None, stage="idea", kind="method")
    make_solution(title="Solution interne", visibility="internal")
    third = make_solution(
        title="Commun numérique", kind="digital_common", stage="generalisation", origin="94080"
    )
    return [first, second, third]


def validate_table(text: str, schema_path: Path):
    schema = Schema.from_descriptor(json.loads(schema_path.read_text(encoding="utf-8")))
    resource = Resource(text.encode("utf-8"), format="csv", schema=schema)
    return resource.validate()


def test_projets_territoire_export_is_valid(personas, client):
    first, second, third = demo_like_catalogue(personas)
    response = client.get(reverse("commons:projets_territoire_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    report = validate_table(text, projets_territoire.PROJECTS_SCHEMA)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = report.tasks[0].stats["rows"]
    assert rows == 3  # the internal solution is not published
    header = text.splitlines()[0].split(",")
    assert tuple(header) == projets_territoire.schema_fields(projets_territoire.PROJECTS_SCHEMA)

    projects, collectivities = projets_territoire.build()
    row = next(item for item in projects.rows if item["nom"].startswith("Cour"))
    assert row["phase"] == "Opération" and row["budgetPrevisionnel"] == "125001"
    assert row["porteurCodeSiret"] == "21930048000015"
    assert json.loads(row["collectiviteIds"]) == [
        projets_territoire.collectivity_id(code) for code in ("93048", "94080", "93066")
    ]
    assert row["porteurReferentEmail"] == "" and row["competences"] == ""
    idea = next(item for item in projects.rows if item["nom"] == "Idée sans commune")
    assert idea["phase"] == "Idée" and idea["collectiviteIds"] == ""
    assert row["id"] == projets_territoire.project_id(first.pk)


def test_collectivites_export_and_data_package_are_valid(personas, client, tmp_path):
    demo_like_catalogue(personas)
    response = client.get(reverse("commons:collectivites_export"))
    text = response.content.decode("utf-8")
    report = validate_table(text, projets_territoire.COLLECTIVITIES_SCHEMA)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    projects, collectivities = projets_territoire.build()
    codes = {row["codeInsee"] for row in collectivities.rows}
    assert codes == {"93048", "94080", "93066"}
    montreuil = next(row for row in collectivities.rows if row["codeInsee"] == "93048")
    assert montreuil["type"] == "Commune" and json.loads(montreuil["codeDepartements"]) == ["93"]

    # The whole data package (with its foreign keys) validates with our two files in place of the examples.
    folder = tmp_path / "package"
    shutil.copytree(projets_territoire.STANDARD_DIR, folder)
    (folder / "projets-territoire" / "exemple-valide.csv").write_text(projects.to_csv(), encoding="utf-8")
    (folder / "collectivites" / "exemple-valide.csv").write_text(collectivities.to_csv(), encoding="utf-8")
    package_report = Package(str(folder / "datapackage.json")).validate()
    assert package_report.valid, package_report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = {task.name: task.stats["rows"] for task in package_report.tasks}
    assert rows["projets-territoire"] == len(projects.rows) == 3
    assert rows["collectivites"] == 3


def test_export_of_an_empty_catalogue_is_valid(db, client):
    text = client.get(reverse("commons:projets_territoire_export")).content.decode("utf-8")
    assert text.count("\n") == 1
    assert validate_table(text, projets_territoire.PROJECTS_SCHEMA).valid


# --- Commons page -------------------------------------------------------------------------------------


def test_home_lists_digital_commons_only(personas, client):
    make_solution(
        title="Commun visible",
        kind="digital_common",
        licence="MIT",
        repository_url="https://git.example.org/c.git",
    )
    make_solution(title="Méthode", kind="method")
    make_solution(title="Commun interne", kind="digital_common", visibility="internal")
    html = client.get(reverse("commons:home")).content.decode()
    assert "Commun visible" in html and "Méthode" not in html and "Commun interne" not in html
    assert reverse("commons:import") not in html
    staff_html = login(personas.arthur).get(reverse("commons:home")).content.decode()
    assert "Commun interne" in staff_html and reverse("commons:import") in staff_html
    searched = client.get(reverse("commons:home") + "?q=visible").content.decode()
    assert "Commun visible" in searched


def _grow(rows: int, start: int) -> None:
    for index in range(start, start + rows):
        make_solution(
            title=f"Commun {index}",
            kind="digital_common",
            licence="MIT",
            repository_url=f"https://git.example.org/c{index}.git",
            origin="93048" if index % 2 else None,
        )


@pytest.mark.parametrize("role", ["anonymous", "agent", "correspondent"])
def test_commons_page_query_count_is_constant(personas, role):
    client = login({"anonymous": None, "agent": personas.arthur, "correspondent": personas.camille}[role])
    url = reverse("commons:home")

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    _grow(5, 0)
    small = count()
    _grow(45, 5)
    assert count() == small


# --- Access --------------------------------------------------------------------------------------------


def test_commons_urls_follow_the_access_matrix(personas):
    """The matrix's expectations for the commons URLs only (independent of the other apps' objects)."""
    world = SimpleNamespace(personas=personas)
    targets.build(world)
    failures = []
    for name, callback in iter_urls():
        if not name.startswith("commons:"):
            continue
        rule = declared_rule(name, callback)
        own, other = targets.TARGETS[name](world)
        for role in ROLES:
            client = login(user_for(role, world.personas))
            for kwargs, expected in zip(
                (own, other), targets.SCOPED.get(name, EXPECTED[rule.name])[role], strict=True
            ):
                url = reverse(name, kwargs=kwargs)
                response = client.post(url) if name in targets.POST_ONLY else client.get(url)
                got = outcome(response, name)
                if got != expected:
                    failures.append(f"{name} {role} {kwargs}: {got} != {expected}")
    assert not failures, failures


def test_refused_upload_comes_back_as_editable_text(personas):
    client = login(personas.camille)
    html = preview(
        client, upload=LEGACY_EXAMPLE.read_bytes(), organization=personas.montreuil
    ).content.decode()
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
    assert "publiccodeYmlVersion" in textarea and "Medusa" in textarea
    # Fixed in the text area, the document is accepted.
    fixed = LEGACY_EXAMPLE.read_text(encoding="utf-8")
    fixed = re.sub(r"^(\s+- )(it|de|us)$", lambda m: m.group(1) + m.group(2).upper(), fixed, flags=re.M)
    fixed = fixed.split("\nit:\n")[0] + "\n"
    response = preview(client, text=fixed, organization=personas.montreuil)
    assert 'name="payload"' in response.content.decode(), re.findall(
        r"<li><code>.*?</li>", response.content.decode()
    )


def test_projets_territoire_export_query_count_is_constant(personas, client):
    url = reverse("commons:projets_territoire_export")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    _grow(5, 0)
    small = count()
    _grow(45, 5)
    assert count() == small
