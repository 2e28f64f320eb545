"""publiccode.yml: reading, field-by-field validation in French, mapping, and export (no database)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from maillage.commons import publiccode
from maillage.innovation.models import Solution
from tests.i18n import fr

STANDARD = publiccode.STANDARDS_DIR / "publiccode-yml"
VALID_EXAMPLES = [
    STANDARD / "examples" / "v0.7.0" / "publiccode.yml",
    STANDARD / "examples" / "v0.7.0" / "publiccode.minimal.yml",
    STANDARD / "schemastore-tests" / "minimum.json",
    STANDARD / "schemastore-tests" / "extended.json",
]
LEGACY_EXAMPLE = STANDARD / "examples" / "v0.5.0" / "publiccode.yml"

MINIMAL = """\
publiccodeYmlVersion: "0"
name: Démarches simplifiées
url: "https://git.example.org/ville/demarches.git"
landingURL: "https://demarches.example.org"
platforms: [web]
developmentStatus: stable
softwareType: standalone/web
description:
  fr:
    shortDescription: "{short}"
    longDescription: "{long}"
legal:
  license: EUPL-1.2
maintenance:
  type: internal
  contacts:
    - name: Claire Martin
      email: claire.martin@example.org
localisation:
  localisationReady: true
  availableLanguages: [fr]
"""


def document(short: str = "Formulaires en ligne pour les usagers.", long: str = "x" * 160, **changes) -> str:
    text = MINIMAL.format(short=short, long=long)
    data = yaml.safe_load(text)
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def messages(parsed: publiccode.ParsedDocument) -> list[str]:
    return [str(error) for error in parsed.errors]


def solution_from(fields: dict) -> Solution:
    return Solution(**{key: value for key, value in fields.items()})


def test_shipped_files_are_in_the_repository():
    assert publiccode.SCHEMA_PATH.is_file()
    for name in ("LICENSE-publiccode.yml-standard-CC0", "LICENSE-SchemaStore-Apache-2.0"):
        assert (STANDARD / name).is_file()
    sources = (publiccode.STANDARDS_DIR / "SOURCES.md").read_text(encoding="utf-8")
    assert "SchemaStore" in sources and "Apache-2.0" in sources and "CC0" in sources
    assert "/shared/" not in Path(publiccode.__file__).read_text(encoding="utf-8")


@pytest.mark.parametrize("path", VALID_EXAMPLES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_official_examples_are_valid_and_mapped(path):
    parsed = publiccode.parse(path.read_bytes())
    assert parsed.errors == []
    fields = parsed.fields
    assert fields["title"] == "Medusa"
    assert fields["repository_url"] == "https://example.com/italia/medusa.git"
    assert fields["licence"] == "AGPL-3.0-or-later"
    assert fields["kind"] == "digital_common"
    assert fields["stage"] == "experimentation"  # developmentStatus: development
    assert parsed.language == "en"
    assert fields["summary"] and not fields["summary"].endswith("\n")
    assert fields["publiccode"]["name"] == "Medusa"


def test_full_example_keeps_dates_as_strings_and_lists_contacts():
    parsed = publiccode.parse(VALID_EXAMPLES[0].read_bytes())
    assert parsed.document["releaseDate"] == "2017-04-15"
    assert parsed.fields["website_url"] == "https://example.com/italia/medusa"
    assert parsed.contacts == [
        {
            "name": "Francesco Rossi",
            "email": "francesco.rossi@comune.reggioemilia.it",
            "phone": "+3923113215112",
            "affiliation": "Comune di Reggio Emilia",
        }
    ]


def test_legacy_example_is_refused_field_by_field():
    parsed = publiccode.parse(LEGACY_EXAMPLE.read_bytes())
    paths = [error.path for error in parsed.errors]
    assert paths == [
        "intendedAudience.countries[0]",
        "intendedAudience.countries[1]",
        "intendedAudience.unsupportedCountries[0]",
        "it",
    ]
    assert fr("unknown field: the publiccode.yml standard does not define it") in messages(parsed)[-1]
    assert parsed.fields == {}


def test_too_long_short_description_names_the_field_in_french():
    parsed = publiccode.parse(document(short="a" * 212))
    assert messages(parsed) == ["description.fr.shortDescription : 150 caractères au plus (actuellement 212)"]


def test_every_schema_error_is_reported_with_its_path():
    data = yaml.safe_load(document())
    del data["legal"]
    data["developmentStatus"] = "finished"
    data["maintenance"]["contacts"][0]["email"] = "pas-une-adresse"
    data["releaseDate"] = "31/12/2024"
    data["description"]["fr"]["nickname"] = "x"
    data["platforms"] = "web"
    parsed = publiccode.parse(yaml.safe_dump(data, allow_unicode=True))
    by_path = {error.path: error.message for error in parsed.errors}
    assert set(by_path) == {
        "description.fr.nickname",
        "developmentStatus",
        "legal",
        "maintenance.contacts[0].email",
        "platforms",
        "releaseDate",
    }
    assert by_path["legal"] == fr("required field missing")
    assert "« finished »" in by_path["developmentStatus"] and "stable" in by_path["developmentStatus"]
    assert "« pas-une-adresse »" in by_path["maintenance.contacts[0].email"]
    assert "AAAA-MM-JJ" in by_path["releaseDate"]
    assert by_path["platforms"].startswith("doit être une liste")
    assert parsed.fields == {}


def test_unsupported_version_is_explained():
    parsed = publiccode.parse(document(publiccodeYmlVersion="0.1"))
    assert len(parsed.errors) == 1
    error = parsed.errors[0]
    assert error.path == "publiccodeYmlVersion"
    assert "« 0.1 »" in error.message and "0.5.0" in error.message


def test_unquoted_version_asks_for_quotes():
    text = document().replace("publiccodeYmlVersion: '0'", "publiccodeYmlVersion: 0.4")
    parsed = publiccode.parse(text)
    assert [error.path for error in parsed.errors] == ["publiccodeYmlVersion"]
    assert '"0.4"' in parsed.errors[0].message


@pytest.mark.parametrize(
    "url",
    ["git@github.com:ville/projet.git", "ftp://example.org/projet", "https://", "projet"],
)
def test_url_must_be_a_web_repository_address(url):
    parsed = publiccode.parse(document(url=url))
    assert [error.path for error in parsed.errors] == ["url"]
    assert "https://" in parsed.errors[0].message


def test_invalid_yaml_gives_one_message_with_line_and_column():
    parsed = publiccode.parse('name: "Medusa\nurl: [https://example.org\n')
    assert len(parsed.errors) == 1
    message = parsed.errors[0].message
    assert message.startswith("Le document n’est pas un YAML valide") or message.startswith(
        "Le document n'est pas un YAML valide"
    )
    assert "ligne" in message and "colonne" in message
    assert parsed.document is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The document is empty."),
        (
            b"- a\n- b\n",
            "A publiccode.yml must be a list of keys and values (publiccodeYmlVersion, name, url…).",
        ),
        ("name: Médusa".encode("latin-1"), None),
        ("name: Medusa".encode("utf-16"), "The file is encoded in UTF-16: save it as UTF-8 and try again."),
    ],
)
def test_unreadable_documents(data, expected):
    parsed = publiccode.parse(data)
    assert len(parsed.errors) == 1 and parsed.errors[0].path == ""
    if expected:
        assert parsed.errors[0].message == fr(expected)
    else:
        assert "UTF-8" in parsed.errors[0].message and "position" in parsed.errors[0].message


def test_too_large_document_is_refused_before_reading():
    parsed = publiccode.parse(b"# " + b"x" * publiccode.MAX_BYTES)
    assert len(parsed.errors) == 1
    assert "1 Mo" in parsed.errors[0].message


def test_yaml_aliases_are_refused():
    parsed = publiccode.parse("a: &x [1, 2]\nb: *x\n")
    assert len(parsed.errors) == 1 and "alias" in parsed.errors[0].message


def test_utf8_bom_is_accepted():
    parsed = publiccode.parse(b"\xef\xbb\xbf" + document().encode("utf-8"))
    assert parsed.errors == []
    assert parsed.fields["title"] == "Démarches simplifiées"
    assert parsed.fields["stage"] == "deployment"
    assert parsed.language == "fr"


def test_french_description_is_preferred():
    data = yaml.safe_load(document())
    data["description"] = {"en": {"shortDescription": "English"}, "fr": {"shortDescription": "Français"}}
    parsed = publiccode.parse(yaml.safe_dump(data))
    assert parsed.language == "fr" and parsed.fields["summary"] == "Français"


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        ("concept", "idea"),
        ("development", "experimentation"),
        ("beta", "experimentation"),
        ("stable", "deployment"),
        ("obsolete", "deployment"),
    ],
)
def test_development_status_to_stage(status, stage):
    assert publiccode.parse(document(developmentStatus=status)).fields["stage"] == stage


def test_repository_variants_match_the_same_repository():
    key = publiccode.repository_key("https://Git.Example.org/ville/projet.git")
    for variant in publiccode.repository_variants("https://Git.Example.org/ville/projet.git"):
        assert publiccode.repository_key(variant) == key
    assert "https://git.example.org/ville/projet/" in publiccode.repository_variants(
        "https://git.example.org/ville/projet"
    )


# --- Export -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID_EXAMPLES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_round_trip_of_every_official_example(path):
    parsed = publiccode.parse(path.read_bytes())
    solution = solution_from(parsed.fields)
    text = publiccode.export_yaml(solution)
    again = publiccode.parse(text)
    assert again.errors == []
    assert {
        key: again.fields[key]
        for key in ("title", "summary", "licence", "repository_url", "website_url", "stage")
    } == {
        key: parsed.fields[key]
        for key in ("title", "summary", "licence", "repository_url", "website_url", "stage")
    }
    # Nothing is lost: the exported document is the imported one, up to the whitespace the catalogue trims.
    original = copy.deepcopy(parsed.document)
    for localised in original["description"].values():
        for key in ("shortDescription", "longDescription"):
            if key in localised:
                localised[key] = localised[key].strip()
    assert again.document == original


def test_export_overlays_the_catalogue_values():
    parsed = publiccode.parse(VALID_EXAMPLES[0].read_bytes())
    solution = solution_from(parsed.fields)
    solution.title = "Médusa, édition « métropole »"
    solution.summary = (
        'Un résumé modifié dans le catalogue ; avec des caractères spéciaux : é, ç, "guillemets".'
    )
    solution.stage = "generalisation"
    solution.website_url = ""
    exported = publiccode.parse(publiccode.export_yaml(solution))
    assert exported.errors == []
    assert exported.document["name"] == solution.title
    assert exported.document["description"]["en"]["shortDescription"] == solution.summary
    assert exported.document["developmentStatus"] == "stable"
    assert "landingURL" not in exported.document
    assert exported.document["IT"] == parsed.document["IT"]  # kept from the stored document


def test_export_of_a_solution_never_imported_is_valid():
    solution = Solution(
        title="Carte des îlots de fraîcheur",
        summary="Une carte " + "très " * 60 + "longue",
        description="Trop court pour une longDescription.",
        licence="MIT",
        repository_url="https://git.example.org/ville/ilots",
        stage="idea",
    )
    document_ = publiccode.export_document(solution)
    assert publiccode.validate(document_) == []
    short = document_["description"]["fr"]["shortDescription"]
    assert len(short) <= 150 and short.endswith("…")
    assert "longDescription" not in document_["description"]["fr"]
    assert document_["developmentStatus"] == "concept"
    assert document_["maintenance"] == {"type": "none"}


def test_export_blockers():
    assert (
        publiccode.export_blockers(Solution(title="x", licence="MIT", repository_url="https://a.example/b"))
        == []
    )
    assert len(publiccode.export_blockers(Solution(title="x"))) == 2
