"""The community of public innovators in headless Chromium: a visitor registers to a public event and
gets the confirmation through the outbox and a real SMTP server, an agent ticks the attendance of a
past event, records a member profile with skills and finds it by skill in the directory."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_violations, log_in, run_management, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AGENT = ("agent", "agent-maillage-demo")
WEBINAR = "Webinaire : ouvrir ses données avec data.gouv.fr"
PAST_WORKSHOP = "Atelier : concevoir un service avec ses usagers"
VISITOR = "visiteuse.e2e@example.org"
SKILL = "Cartographie participative E2E"


def submit(page, form_selector: str = "main form[method=post]") -> None:
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").last.click()


def test_visitor_registers_and_agent_takes_attendance(page, browser, server, mailbox):
    violations = {}

    # 0. The community's public pages: home, lessons-learned sheets and one of them with its licence.
    page.goto("/communaute/")
    violations["home"] = axe_violations(page)
    page.goto("/communaute/ressources/")
    violations["resources"] = axe_violations(page)
    page.locator("main table tbody a").first.click()
    page.wait_for_load_state()
    assert "Licence" in page.locator("main").inner_text()
    violations["resource"] = axe_violations(page)
    screenshot(page, "community-resource")

    # 1. A visitor finds the public webinar and registers (name, e-mail, explicit consent).
    page.goto("/communaute/evenements/")
    violations["events"] = axe_violations(page)
    page.get_by_role("link", name=WEBINAR).click()
    page.wait_for_load_state()
    page.fill("#id_name", "Visiteuse Fictive")
    page.fill("#id_email", VISITOR)
    submit(page)
    # Without the consent box, nothing is recorded and a French message explains why.
    assert "Cochez la case" in page.locator("main").inner_text()
    page.check("#id_consent")
    submit(page)
    assert "Vous êtes inscrit" in page.locator(".messages").inner_text()
    violations["event"] = axe_violations(page)
    screenshot(page, "community-event")
    # The same address again: a French message, no second registration.
    page.fill("#id_name", "Visiteuse Fictive")
    page.fill("#id_email", VISITOR)
    page.check("#id_consent")
    submit(page)
    assert "déjà inscrite à cet événement" in page.locator("main").inner_text()

    # 2. The confirmation goes out through the outbox, with a signed cancellation link.
    run_management("send_outbox")
    received = [message for recipients, message in mailbox.messages if VISITOR in recipients]
    assert received, "aucun courriel de confirmation reçu"
    body = received[-1].get_body(preferencelist=("plain",)).get_content()
    assert WEBINAR in received[-1]["Subject"]
    link = re.search(r"https?://\S+/communaute/inscriptions/annuler/\S+/", body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    tampered = page.goto(f"/{path[:-3]}x/")
    assert tampered.status == 400
    assert "n'est pas valide" in page.locator("main").inner_text()
    page.goto(f"/{path}")
    assert page.locator("button.button-danger").count() == 1
    violations["cancel"] = axe_violations(page)

    # 3. An agent ticks the attendance of a past workshop on the tablet sheet.
    log_in(page, *AGENT)
    page.goto("/communaute/evenements/?when=past")
    page.get_by_role("link", name=PAST_WORKSHOP).click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Inscriptions et émargement").click()
    page.wait_for_load_state()
    boxes = page.locator("form.sheet input[type=checkbox]")
    assert boxes.count() > 0
    for index in range(boxes.count()):
        boxes.nth(index).check()
    submit(page, "form.sheet")
    assert "Émargement enregistré" in page.locator(".messages").inner_text()
    assert f"Présents : {boxes.count()}" in page.locator(".tally").inner_text()
    violations["attendance"] = axe_violations(page)
    screenshot(page, "community-attendance")

    assert not any(violations.values()), violations


def test_agent_records_a_profile_and_finds_it_by_skill(page, server):
    # A person of the demo directory without a community profile.
    found = run_management(
        "shell",
        "-c",
        "from maillage.people.models import Person;"
        "p = Person.objects.filter(anonymized_at__isnull=True, community_profile__isnull=True,"
        " positions__isnull=False).order_by('last_name', 'pk').first();"
        "print(p.last_name)",
    ).stdout.strip()
    last_name = found.splitlines()[-1]
    log_in(page, *AGENT)
    page.goto("/communaute/annuaire/nouveau/")
    violations = {"choose": axe_violations(page)}
    page.fill("#id_person_search", last_name[:12])
    page.wait_for_function("() => document.querySelectorAll('#id_person option').length > 1", timeout=10000)
    value = page.locator("#id_person option", has_text=last_name).first.get_attribute("value")
    page.select_option("#id_person", value)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.fill("#id_job_title", "Chargée de mission innovation")
    page.fill("#id_skills_text", f"{SKILL}, Design de services")
    page.check("#id_consent")
    page.fill("#id_consent_note", "Courriel du 2 décembre 2026 (E2E)")
    violations["form"] = axe_violations(page)
    submit(page)
    assert last_name in page.locator("h1").inner_text()
    assert SKILL in page.locator("main").inner_text()
    violations["profile"] = axe_violations(page)
    page.get_by_role("link", name="Retirer le consentement").click()
    page.wait_for_load_state()
    violations["withdraw"] = axe_violations(page)
    page.go_back()

    page.goto("/communaute/annuaire/")
    page.select_option("#id_skill", label=SKILL)
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1
    assert last_name in rows.first.inner_text()
    violations["directory"] = axe_violations(page)
    screenshot(page, "community-directory")
    assert not any(violations.values()), violations
