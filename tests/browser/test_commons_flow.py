"""Digital commons in headless Chromium: a correspondent imports an official publiccode.yml through the
pages (after seeing the field-by-field errors of a broken one), finds the created solution and exports it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.browser.conftest import axe_violations, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

MONTREUIL = ("correspondant", "correspondant-maillage-demo")
STANDARD = Path(__file__).resolve().parents[2] / "maillage" / "commons" / "standards" / "publiccode-yml"
EXAMPLE = STANDARD / "examples" / "v0.7.0" / "publiccode.yml"


def broken_example() -> bytes:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["url"] = "https://example.com/montreuil/medusa-e2e.git"
    data["description"]["en"]["shortDescription"] = "Trop long. " * 20
    data["developmentStatus"] = "finished"
    del data["legal"]
    return yaml.safe_dump(data, allow_unicode=True).encode("utf-8")


def upload(page, name: str, content: bytes) -> None:
    page.set_input_files(
        "#id_document", files=[{"name": name, "mimeType": "application/yaml", "buffer": content}]
    )
    with page.expect_navigation():
        page.locator("main form[enctype] button[type=submit]").click()


def test_import_a_real_publiccode_yml(page):
    violations = {}
    log_in(page, *MONTREUIL)

    page.goto("/innovation/communs/")
    assert page.locator("h1").inner_text() == "Communs numériques"
    violations["home"] = axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Importer un publiccode.yml").click()
    violations["import"] = axe_violations(page)

    # A broken document: every problem is listed with its field path, nothing is offered for confirmation.
    upload(page, "publiccode.yml", broken_example())
    errors = page.locator("#document-errors")
    assert errors.is_visible()
    text = errors.inner_text()
    assert "description.en.shortDescription : 150 caractères au plus" in text
    assert "developmentStatus : valeur « finished » non autorisée" in text
    assert "legal : champ obligatoire manquant" in text
    assert page.locator("input[name=payload]").count() == 0
    violations["errors"] = axe_violations(page)
    screenshot(page, "commons-import-errors")

    # The official example: preview, then confirmation.
    upload(page, "publiccode.yml", EXAMPLE.read_bytes())
    assert page.locator("h1").inner_text() == "Aperçu de l’import"
    assert "Medusa" in page.locator("main").inner_text()
    assert "Francesco Rossi" in page.locator("main").inner_text()
    violations["preview"] = axe_violations(page)
    screenshot(page, "commons-import-preview")
    with page.expect_navigation():
        page.locator("main form[action$='confirmer/'] button[type=submit]").click()
    assert (
        "La solution « Medusa » a été créée à partir du publiccode.yml."
        in page.locator(".messages").inner_text()
    )

    # The solution is in the list of digital commons, and its publiccode.yml exports back.
    page.goto("/innovation/communs/?q=medusa")
    row = page.locator("tbody tr", has_text="Medusa")
    assert row.count() == 1
    href = row.locator("a[href$='publiccode.yml']").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert "name: Medusa" in response.text()
    screenshot(page, "commons-home")

    assert not any(violations.values()), violations
