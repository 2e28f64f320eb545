"""The innovation catalogue in headless Chromium: an agent adds a solution born in Pantin, records its
replications in Le Pré-Saint-Gervais and in Les Lilas (reproduced from Le Pré-Saint-Gervais), sees the
lineage and the map, then finds it suggested, with its reason, on the profile of Romainville (a
neighbour of Les Lilas and of Pantin, in the same territory). axe-core on the list, detail and forms."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import axe_violations, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AGENT = ("agent", "agent-maillage-demo")
TITLE = "Bibliothèque d'outils partagée (E2E)"
PANTIN, PRE_SAINT_GERVAIS, LES_LILAS, ROMAINVILLE = "93055", "93061", "93045", "93063"
YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def submit(page, form_selector: str = "main form[method=post]") -> None:
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").last.click()
    errors = page.locator(".form-errors, .messages .message-error")
    assert errors.count() == 0, errors.all_inner_texts()


def declare(page, commune: str, parent_label: str | None = None) -> None:
    page.select_option("#replication_commune", commune)
    if parent_label:
        value = page.locator("#replication_parent option", has_text=parent_label).first.get_attribute("value")
        page.select_option("#replication_parent", value)
    page.fill("#replication_date", YESTERDAY)
    page.select_option("#replication_outcome", "success")
    submit(page, "form[action$='/reproductions/ajouter/']")


def test_catalogue_replication_lineage_map_and_suggestion(page):
    violations = {}
    log_in(page, *AGENT)

    page.goto("/innovation/solutions/")
    assert page.locator("tbody tr").count() >= 40
    violations["list"] = axe_violations(page)
    screenshot(page, "innovation-list")

    # 1. An agent adds a solution born in Pantin.
    page.goto("/innovation/solutions/nouvelle/")
    violations["form"] = axe_violations(page)
    page.fill("#id_title", TITLE)
    page.fill("#id_summary", "Prêter perceuses, échelles et outils de jardin aux habitants.")
    page.select_option("#id_kind", "equipment")
    page.select_option("#id_stage", "deployment")
    page.select_option("#id_visibility", "public")
    page.select_option("#id_origin_commune", PANTIN)
    submit(page)
    assert page.locator("h1").inner_text() == TITLE
    solution_url = page.url

    # 2. Replications in Le Pré-Saint-Gervais (from the origin), then Les Lilas from that replica.
    declare(page, PRE_SAINT_GERVAIS)
    declare(page, LES_LILAS, parent_label="Pré-Saint-Gervais")
    page.goto(solution_url)
    nested = page.locator(".lineage > li > ul > li > ul > li")
    assert "Les Lilas" in nested.first.inner_text()
    assert "Pantin" in page.locator(".lineage > li").first.inner_text()
    page.wait_for_selector("#map[data-loaded]", state="attached")
    assert page.locator("#map").get_attribute("data-highlighted") == "3"
    violations["detail"] = axe_violations(page)
    screenshot(page, "innovation-detail")

    page.goto(solution_url.rstrip("/") + "/reproductions/ajouter/")
    violations["replication-form"] = axe_violations(page)

    # 3. Romainville's profile suggests it, with the reason.
    page.goto(f"/communes/{ROMAINVILLE}/")
    suggestion = page.locator(".suggestions > li", has_text=TITLE)
    assert suggestion.count() == 1
    reasons = suggestion.locator(".reasons li").all_inner_texts()
    assert any("Les Lilas" in reason and "voisine" in reason for reason in reasons), reasons
    assert any("Est Ensemble" in reason for reason in reasons), reasons
    screenshot(page, "innovation-commune-suggestions")
    violations["commune"] = axe_violations(page)
    assert not {name: found for name, found in violations.items() if found}
