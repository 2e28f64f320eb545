"""The foundation's flows in headless Chromium, on the demo data of the quick start."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests.browser.conftest import axe_violations, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LOGINS = {
    "admin": ("admin", "admin-maillage-demo"),
    "agent": ("agent", "agent-maillage-demo"),
    "correspondent": ("correspondant", "correspondant-maillage-demo"),
}


@pytest.mark.parametrize("role", sorted(LOGINS))
def test_each_role_logs_in(page, role):
    log_in(page, *LOGINS[role])
    assert page.locator(".account").inner_text().startswith(LOGINS[role][0].capitalize())
    assert page.locator(".role-badge").is_visible()


def test_map_then_commune_then_profile(page):
    page.goto("/carte/")
    page.wait_for_selector("#map[data-loaded='130']")
    screenshot(page, "map")
    page.locator("path[aria-label='Montreuil']").click()
    page.wait_for_url("**/communes/93048/")
    assert page.locator("h1").inner_text() == "Montreuil"
    assert "Est Ensemble" in page.content()
    # Neighbours computed from the polygons.
    assert page.get_by_role("link", name="Vincennes").count() >= 1
    screenshot(page, "commune-montreuil")


def test_the_map_is_usable_with_the_keyboard(page):
    page.goto("/carte/")
    page.wait_for_selector("#map[data-loaded='130']")
    page.locator("path[aria-label='Vincennes']").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/communes/94080/")


def test_former_code_leads_to_saint_denis(page):
    page.goto("/communes/93059/")
    assert page.locator("h1").inner_text() == "Saint-Denis"
    assert "93059" in page.locator(".messages").inner_text()


def test_commune_list_search_filters_and_exports(page):
    page.goto("/communes/")
    page.fill("#id_q", "saint denis")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("link", name="Saint-Denis", exact=True).count() == 1
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    text = download_info.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert any(row[0] == "93066" for row in rows[1:])
    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download_info.value.path().read_bytes())).active
    assert any(row[0] == "93066" for row in sheet.iter_rows(min_row=2, values_only=True))


def test_a_correspondent_cannot_edit_another_commune(page):
    log_in(page, *LOGINS["correspondent"])
    page.goto("/organisations/?q=vincennes&kind=commune")
    page.get_by_role("link", name="Ville de Vincennes").click()
    assert page.get_by_role("link", name="Modifier").count() == 0
    response = page.goto(page.url + "modifier/")
    assert response.status == 403
    screenshot(page, "refused")


PAGES = [
    "/",
    "/carte/",
    "/communes/",
    "/communes/93048/",
    "/territoires/",
    "/territoires/200057875/",
    "/organisations/",
    "/recherche/?q=montreuil",
    "/donnees-personnelles/",
    "/accessibilite/",
    "/comptes/connexion/",
]


def test_public_pages_have_no_serious_accessibility_violation(page):
    failures = {}
    for path in PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if violations := axe_violations(page):
            failures[path] = violations
    assert not failures


def test_signed_in_pages_have_no_serious_accessibility_violation(page):
    log_in(page, *LOGINS["agent"])
    failures = {}
    for path in ["/organisations/nouvelle/", "/organisations/?kind=syndicate"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if violations := axe_violations(page):
            failures[path] = violations
        screenshot(page, path.strip("/").replace("/", "-").replace("?", "-") or "home")
    assert not failures
