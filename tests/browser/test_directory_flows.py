"""The directory's end-to-end flow, as an agent does it, and the same with the keyboard alone."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import axe_violations, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
AGENT = ("agent", "agent-maillage-demo")


def tab_to(page, selector: str, limit: int = 250) -> None:
    """Press Tab until ``selector`` has the focus: proves it is reachable with the keyboard."""
    target = page.locator(selector).first
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} n'est pas atteignable au clavier")


def submit_main_form(page) -> None:
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").last.click()


def test_agent_creates_organisation_person_interaction_and_sees_the_action(page):
    log_in(page, *AGENT)
    page.goto("/organisations/nouvelle/")
    page.select_option("#id_kind", "association")
    page.fill("#id_name", "Tiers-lieu La Fabrique (test E2E)")
    page.fill("#id_commune", "93059")  # a former code: resolved to Saint-Denis with a notice
    page.fill("#id_website", "https://fabrique.example.org")
    submit_main_form(page)
    assert page.locator("h1").inner_text() == "Tiers-lieu La Fabrique (test E2E)"
    assert "93059" in page.locator(".messages").inner_text()
    organization_url = page.url

    page.locator("a[href*='/personnes/nouvelle/']").click()
    page.wait_for_load_state()
    page.fill("#id_first_name", "Zoé")
    page.fill("#id_last_name", "Fictive-Essai")
    page.fill("#id_email", "zoe.fictive@example.org")
    page.select_option("#id_role", "project_officer")
    page.fill("#id_source", "Rencontre au salon (test)")
    submit_main_form(page)
    assert "Zoé Fictive-Essai" in page.locator("h1").inner_text()
    screenshot(page, "person-created")

    page.goto(organization_url)
    page.locator("a[href*='/echanges/nouveau/']").click()
    page.wait_for_load_state()
    page.select_option("#id_kind", "meeting")
    page.fill("#id_subject", "Visite du tiers-lieu (test E2E)")
    page.locator("#id_people_search").fill("Fictive-Essai")
    page.wait_for_selector("#id_people option:has-text('Fictive-Essai')", state="attached")
    page.select_option("#id_people", label="Zoé Fictive-Essai")
    page.fill("#id_actions-0-description", "Envoyer la convention type (test E2E)")
    page.select_option("#id_actions-0-owner", label="Agent (démo)")
    page.fill("#id_actions-0-due_date", (dt.date.today() + dt.timedelta(days=5)).isoformat())
    submit_main_form(page)
    assert "Visite du tiers-lieu" in page.locator("h1").inner_text()
    screenshot(page, "interaction-created")

    page.goto("/echanges/mes-actions/")
    assert "Envoyer la convention type (test E2E)" in page.locator("main").inner_text()
    screenshot(page, "my-actions")
    assert not axe_violations(page)


def test_keyboard_only_login_search_and_mark_an_action_done(page):
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    tab_to(page, "a[href='/comptes/connexion/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "#id_username")
    page.keyboard.type(AGENT[0])
    tab_to(page, "#id_password")
    page.keyboard.type(AGENT[1])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "#header-q")
    page.keyboard.type("montreuil")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "main a[href='/communes/93048/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Montreuil"
    page.goto("/echanges/mes-actions/")
    before = page.locator("main form[action*='/terminer/']").count()
    assert before > 0
    tab_to(page, "main form[action*='/terminer/'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("main form[action*='/terminer/']").count() == before - 1


SIGNED_IN_PAGES = [
    "/personnes/",
    "/personnes/nouvelle/",
    "/echanges/",
    "/echanges/nouveau/",
    "/echanges/mes-actions/",
]


def test_directory_pages_have_no_serious_accessibility_violation(page):
    log_in(page, *AGENT)
    failures = {}
    for path in SIGNED_IN_PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if violations := axe_violations(page):
            failures[path] = violations
        screenshot(page, path.strip("/").replace("/", "-"))
    page.goto("/personnes/")
    page.locator("main table a").first.click()
    page.wait_for_load_state()
    if violations := axe_violations(page):
        failures["person detail"] = violations
    page.goto("/echanges/")
    page.locator("main table a").first.click()
    page.wait_for_load_state()
    if violations := axe_violations(page):
        failures["interaction detail"] = violations
    assert not failures
