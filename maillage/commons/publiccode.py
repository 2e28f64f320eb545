"""publiccode.yml: read, validate, map to a catalogue solution, and write back.

The standard (https://github.com/publiccodeyml/publiccode.yml) describes public software in a YAML file at
the root of its repository. We validate documents with the JSON Schema shipped in
``standards/publiccode-yml/`` (SchemaStore's schema, synced with the standard 0.5; it accepts the 0.7
examples, see ``standards/SOURCES.md``): nothing is fetched at run time.

Reading (``parse``) never raises on bad input: it returns a :class:`ParsedDocument` whose ``errors`` list
every problem, each with the dotted path of the field (``description.fr.shortDescription``,
``maintenance.contacts[0].email``) and a French message. Checks that the schema cannot express are added:
the version must be one we support, and ``url`` must be a web address (http or https) of the source code
repository, because the catalogue stores it in a URL field and matches imports by it.

Mapping to the ``innovation.Solution`` fields (``solution_fields``):

============================================  ===============================================
publiccode.yml                                Solution
============================================  ===============================================
``name``                                      ``title``
``description.<lang>.shortDescription``       ``summary`` (language: ``fr``, else ``en``, else the first)
``description.<lang>.longDescription``        ``description``
``legal.license``                             ``licence`` (SPDX expression)
``url``                                       ``repository_url`` (the key that makes imports idempotent)
``landingURL``                                ``website_url``
``developmentStatus``                         ``stage`` (see ``STATUS_TO_STAGE``)
the whole document                            ``publiccode`` (categories, softwareType, platforms…)
(always)                                      ``kind = digital_common``
============================================  ===============================================

``maintenance.contacts`` are listed in the import report only: they are personal data of people outside
the directory, and the catalogue's contacts are ``people.Person`` records chosen by hand.

Writing (``export_document``) starts from the stored document and overlays the catalogue's current values
(the catalogue is the reference once imported); a solution never imported gets a minimal valid document.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from django.utils.translation import gettext as _
from jsonschema import Draft7Validator, FormatChecker

STANDARDS_DIR = Path(__file__).resolve().parent / "standards"
SCHEMA_PATH = STANDARDS_DIR / "publiccode-yml" / "publiccode.schema.json"
EXAMPLES_DIR = STANDARDS_DIR / "publiccode-yml" / "examples"

MAX_BYTES = 1024 * 1024  # 1 Mo: a publiccode.yml is a few kilobytes
SHORT_DESCRIPTION_MAX = 150
LONG_DESCRIPTION_MIN, LONG_DESCRIPTION_MAX = 150, 10000
PREFERRED_LANGUAGES = ("fr", "en")
EXPORT_VERSION = "0"  # what publiccode.yml 0.7 writes; accepted by the shipped schema
REPOSITORY_SCHEMES = ("http", "https")  # Solution.repository_url is a URLField

# developmentStatus → Solution.stage. The catalogue has no « obsolete » stage: an obsolete software
# stays « deployment » (it was deployed), and the document keeps « obsolete » on export.
STATUS_TO_STAGE = {
    "concept": "idea",
    "development": "experimentation",
    "beta": "experimentation",
    "stable": "deployment",
    "obsolete": "deployment",
}
# Solution.stage → developmentStatus, used when the catalogue's stage no longer matches the document.
STAGE_TO_STATUS = {
    "idea": "concept",
    "experimentation": "development",
    "deployment": "stable",
    "generalisation": "stable",
}


@dataclass(frozen=True)
class FieldError:
    """One problem of a document: the dotted path of the field ("" for the whole document) and a message."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path} : {self.message}" if self.path else self.message


class DocumentError(Exception):
    """The text is not a readable YAML document (size, encoding, syntax): one message, no field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ParsedDocument:
    document: dict[str, Any] | None
    errors: list[FieldError] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    language: str = ""
    contacts: list[dict[str, str]] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return self.document is not None and not self.errors


# --- YAML ------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe loader that keeps dates as strings (the schema types them as strings) and refuses aliases
    (publiccode.yml never needs them; nested aliases can make a small file expand enormously)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise DocumentError(
                _(
                    "Line %(line)d, column %(column)d: YAML aliases (*name) are not accepted in a publiccode.yml."
                )
                % {"line": mark.line + 1, "column": mark.column + 1}
            )
        return super().compose_node(parent, index)


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def decode(data: bytes | str) -> str:
    """The text of an uploaded or pasted document; refuses what is too large or not UTF-8."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        raise DocumentError(
            _("The document is too large (%(size)s): a publiccode.yml may not exceed 1 MB.")
            % {"size": _human_size(len(raw))}
        )
    if isinstance(data, str):
        return data
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(_("The file is encoded in UTF-16: save it as UTF-8 and try again."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentError(
            _(
                "The file is not encoded in UTF-8 (invalid byte at position %(position)d): save it as UTF-8 and try again."
            )
            % {"position": error.start + 1}
        ) from error


def _human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.2f} Mo".replace(".", ",")


def load_yaml(text: str) -> dict[str, Any]:
    """The document as a mapping; a syntax error becomes one French message with its line and column."""
    if not text.strip():
        raise DocumentError(_("The document is empty."))
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or ""
        if mark is None:
            raise DocumentError(
                _("The document is not valid YAML: %(problem)s.") % {"problem": problem}
            ) from error
        raise DocumentError(
            _("The document is not valid YAML (line %(line)d, column %(column)d): %(problem)s.")
            % {"line": mark.line + 1, "column": mark.column + 1, "problem": problem}
        ) from error
    except yaml.YAMLError as error:
        raise DocumentError(_("The document is not valid YAML: %(problem)s.") % {"problem": error}) from error
    except RecursionError as error:
        raise DocumentError(_("The document is nested too deeply.")) from error
    if not isinstance(document, dict):
        raise DocumentError(
            _("A publiccode.yml must be a list of keys and values (publiccodeYmlVersion, name, url…).")
        )
    return document


# --- Validation ------------------------------------------------------------------------------------


@cache
def schema() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)


def supported_versions() -> tuple[str, ...]:
    return tuple(schema()["properties"]["publiccodeYmlVersion"]["enum"])


_format_checker = FormatChecker(formats=("date", "email"))


@_format_checker.checks("uri")
def _is_uri(value: object) -> bool:
    """An absolute URI (scheme then anything without spaces): https://…, urn:…, mailto:…"""
    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", value))


@cache
def _validator() -> Draft7Validator:
    return Draft7Validator(schema(), format_checker=_format_checker)


def format_path(parts: Any) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _type_name(name: Any) -> str:
    names = {
        "string": _("text"),
        "number": _("a number"),
        "integer": _("a whole number"),
        "boolean": _("true or false"),
        "array": _("a list"),
        "object": _("a section of keys and values"),
        "null": _("empty"),
    }
    if isinstance(name, list):
        return _(" or ").join(names.get(item, str(item)) for item in name)
    return names.get(name, str(name))


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"


FORMAT_MESSAGES = {
    "date": lambda: _("must be a date written YYYY-MM-DD (for example 2024-03-31)"),
    "email": lambda: _("must be an e-mail address"),
    "uri": lambda: _("must be a full web address, starting with https://"),
}


def _translate(error: Any) -> list[FieldError]:
    """French messages for one jsonschema error (``required`` and ``additionalProperties`` give one per key)."""
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    parts = list(error.absolute_path)
    path = format_path(parts)
    if keyword == "required":
        missing = [key for key in expected if isinstance(instance, dict) and key not in instance]
        return [FieldError(format_path([*parts, key]), _("required field missing")) for key in missing]
    if keyword == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = [key for key in instance if key not in known] if isinstance(instance, dict) else []
        return [
            FieldError(
                format_path([*parts, key]), _("unknown field: the publiccode.yml standard does not define it")
            )
            for key in extra
        ]
    if keyword == "type":
        message = _("must be %(expected)s (found: %(value)s)") % {
            "expected": _type_name(expected),
            "value": _shown(instance),
        }
        if expected == "string" and isinstance(instance, int | float) and not isinstance(instance, bool):
            message += _('; write the value between quotes, for example "%(value)s"') % {"value": instance}
        return [FieldError(path, message)]
    if keyword == "enum":
        choices = ", ".join(str(choice) for choice in expected)
        if len(expected) > 12:
            choices = ", ".join(str(choice) for choice in expected[:12]) + ", …"
        return [
            FieldError(
                path,
                _("value « %(value)s » is not allowed; allowed values: %(choices)s")
                % {"value": _shown(instance), "choices": choices},
            )
        ]
    if keyword == "maxLength":
        return [
            FieldError(
                path,
                _("%(limit)d characters at most (currently %(length)d)")
                % {"limit": expected, "length": len(instance)},
            )
        ]
    if keyword == "minLength":
        return [
            FieldError(
                path,
                _("%(limit)d characters at least (currently %(length)d)")
                % {"limit": expected, "length": len(instance)},
            )
        ]
    if keyword == "pattern":
        message = _("value « %(value)s » does not have the expected form (%(pattern)s)") % {
            "value": _shown(instance),
            "pattern": expected,
        }
        if expected == "^[A-Z]{2}$":
            message = _("value « %(value)s » must be a country code of two capital letters (FR, IT, DE…)") % {
                "value": _shown(instance)
            }
        return [FieldError(path, message)]
    if keyword == "format":
        describe = FORMAT_MESSAGES.get(expected, lambda: _("does not have the expected format"))
        return [
            FieldError(
                path, _("%(rule)s (found: « %(value)s »)") % {"rule": describe(), "value": _shown(instance)}
            )
        ]
    if keyword in ("minItems", "maxItems"):
        key = _("%(limit)d items at least") if keyword == "minItems" else _("%(limit)d items at most")
        return [FieldError(path, key % {"limit": expected})]
    if keyword in ("oneOf", "anyOf"):
        return [
            FieldError(
                path,
                _("the value has a form the standard does not accept (found: %(value)s)")
                % {"value": _shown(instance)},
            )
        ]
    return [
        FieldError(path, _("the value does not follow the standard (%(detail)s)") % {"detail": error.message})
    ]


def _repository_url_error(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in REPOSITORY_SCHEMES or not parts.hostname or any(char.isspace() for char in value):
        return _(
            "must be the web address of the source code repository, starting with https:// "
            "(for example https://git.example.org/ville/projet.git)"
        )
    if len(value) > 200:
        return _("200 characters at most (currently %(length)d)") % {"length": len(value)}
    return ""


def validate(document: dict[str, Any]) -> list[FieldError]:
    """Every problem of the document, sorted by field path (schema, then the checks it cannot express)."""
    errors: list[FieldError] = []
    version = document.get("publiccodeYmlVersion")
    for error in _validator().iter_errors(document):
        where = list(error.absolute_path)
        if where == ["publiccodeYmlVersion"] and error.validator == "enum":
            continue  # said below, with the supported versions
        if where == ["url"] and error.validator == "format":
            continue  # said below, with what a repository address looks like
        errors.extend(_translate(error))
    if isinstance(version, str) and version not in supported_versions():
        errors.append(
            FieldError(
                "publiccodeYmlVersion",
                _("version « %(version)s » is not supported; supported versions: %(versions)s")
                % {"version": version, "versions": ", ".join(supported_versions())},
            )
        )
    url = document.get("url")
    if isinstance(url, str) and (message := _repository_url_error(url)):
        errors.append(FieldError("url", message))
    landing = document.get("landingURL")
    if isinstance(landing, str) and urlsplit(landing).scheme not in ("http", "https"):
        errors.append(FieldError("landingURL", _("must be a web address starting with https://")))
    description = document.get("description")
    if isinstance(description, dict) and not description:
        errors.append(
            FieldError("description", _("describe the software in at least one language (fr, en…)"))
        )
    unique: dict[tuple[str, str], FieldError] = {}
    for error in errors:
        unique.setdefault((error.path, error.message), error)
    return sorted(unique.values(), key=lambda error: (error.path, error.message))


# --- Mapping ---------------------------------------------------------------------------------------


def description_language(document: dict[str, Any]) -> str:
    """The language read into the catalogue: fr, else en, else the first one of the document."""
    description = document.get("description")
    if not isinstance(description, dict) or not description:
        return ""
    for language in PREFERRED_LANGUAGES:
        if isinstance(description.get(language), dict):
            return language
    return next(iter(description))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def solution_fields(document: dict[str, Any]) -> dict[str, Any]:
    """The Solution field values read from a (valid) document."""
    language = description_language(document)
    localised = document.get("description", {}).get(language, {}) if language else {}
    legal = document.get("legal") if isinstance(document.get("legal"), dict) else {}
    return {
        "title": _text(document.get("name")),
        "summary": _text(localised.get("shortDescription")),
        "description": _text(localised.get("longDescription")),
        "licence": _text(legal.get("license")),
        "repository_url": _text(document.get("url")),
        "website_url": _text(document.get("landingURL")),
        "stage": STATUS_TO_STAGE.get(document.get("developmentStatus"), "idea"),
        "kind": "digital_common",
        "publiccode": json.loads(json.dumps(document, default=str)),
    }


def maintenance_contacts(document: dict[str, Any]) -> list[dict[str, str]]:
    maintenance = document.get("maintenance")
    contacts = maintenance.get("contacts") if isinstance(maintenance, dict) else None
    if not isinstance(contacts, list):
        return []
    return [
        {key: str(contact.get(key, "")) for key in ("name", "email", "phone", "affiliation")}
        for contact in contacts
        if isinstance(contact, dict)
    ]


def parse(data: bytes | str) -> ParsedDocument:
    """Read and check a document; never raises on bad input (the errors are in the result)."""
    try:
        document = load_yaml(decode(data))
    except DocumentError as error:
        return ParsedDocument(document=None, errors=[FieldError("", error.message)])
    errors = validate(document)
    parsed = ParsedDocument(document=document, errors=errors, contacts=maintenance_contacts(document))
    if not errors:
        parsed.fields = solution_fields(document)
        parsed.language = description_language(document)
    return parsed


def repository_key(url: str) -> str:
    """A repository URL reduced for matching: lower-case host, without trailing « / » or « .git »."""
    url = url.strip()
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path.endswith(".git"):
        path = path[:-4]
    return f"{parts.netloc.lower()}{path}"


def repository_variants(url: str) -> list[str]:
    """The spellings of the same repository URL that the catalogue may hold."""
    parts = urlsplit(url.strip())
    base = url.strip().rstrip("/")
    if base.endswith(".git"):
        base = base[:-4]
    host = parts.netloc
    variants = {base, f"{base}/", f"{base}.git"}
    if host and host != host.lower():
        variants |= {variant.replace(host, host.lower(), 1) for variant in list(variants)}
    other = "http" if parts.scheme == "https" else "https"
    variants |= {f"{other}{variant[len(parts.scheme) :]}" for variant in list(variants) if parts.scheme}
    return sorted(variants)


# --- Export ----------------------------------------------------------------------------------------


def _shorten(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.") + "…"


def export_blockers(solution: Any) -> list[str]:
    """Why a valid publiccode.yml cannot be written for this solution (empty list: it can)."""
    blockers = []
    if not solution.repository_url:
        blockers.append(_("the solution has no source code repository address"))
    if not solution.licence:
        blockers.append(_("the solution has no licence (SPDX identifier)"))
    return blockers


def export_document(solution: Any) -> dict[str, Any]:
    """The publiccode.yml document of a solution: the stored one with the catalogue's values overlaid."""
    stored = solution.publiccode if isinstance(solution.publiccode, dict) else None
    document: dict[str, Any] = copy.deepcopy(stored) if stored else {}
    if document.get("publiccodeYmlVersion") not in supported_versions():
        document["publiccodeYmlVersion"] = EXPORT_VERSION
    document["name"] = solution.title
    document["url"] = solution.repository_url
    if solution.website_url:
        document["landingURL"] = solution.website_url
    else:
        document.pop("landingURL", None)
    document.setdefault("platforms", ["web"])
    status = document.get("developmentStatus")
    if STATUS_TO_STAGE.get(status) != solution.stage:
        document["developmentStatus"] = STAGE_TO_STATUS.get(solution.stage, "development")
    document.setdefault("softwareType", "standalone/web")

    description = document.get("description") if isinstance(document.get("description"), dict) else {}
    language = description_language({"description": description}) or "fr"
    localised = dict(description.get(language) or {})
    localised["shortDescription"] = _shorten(solution.summary or solution.title, SHORT_DESCRIPTION_MAX)
    long_text = (solution.description or "").strip()
    if len(long_text) >= LONG_DESCRIPTION_MIN:
        localised["longDescription"] = long_text[:LONG_DESCRIPTION_MAX]
    else:
        localised.pop("longDescription", None)  # optional; the standard wants 150 characters or more
    description[language] = localised
    document["description"] = description

    legal = dict(document.get("legal") or {})
    legal["license"] = solution.licence
    document["legal"] = legal
    if not isinstance(document.get("maintenance"), dict):
        # Without the document, we do not know who maintains it; « none » needs no contact.
        document["maintenance"] = {"type": "none"}
    if not isinstance(document.get("localisation"), dict):
        document["localisation"] = {"localisationReady": False, "availableLanguages": ["fr"]}
    return _ordered(document)


ORDER = [
    "publiccodeYmlVersion",
    "name",
    "applicationSuite",
    "url",
    "landingURL",
    "isBasedOn",
    "softwareVersion",
    "releaseDate",
    "logo",
    "monochromeLogo",
    "platforms",
    "categories",
    "usedBy",
    "roadmap",
    "developmentStatus",
    "softwareType",
    "intendedAudience",
    "description",
    "legal",
    "maintenance",
    "localisation",
    "dependsOn",
]


def _ordered(document: dict[str, Any]) -> dict[str, Any]:
    """Keys in the standard's usual order, unknown ones after (the YAML stays easy to read)."""
    ordered = {key: document[key] for key in ORDER if key in document}
    ordered.update({key: value for key, value in document.items() if key not in ordered})
    return ordered


def dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def export_yaml(solution: Any) -> str:
    return "# publiccode.yml\n" + dump(export_document(solution))
