"""The cooperation issue's flow in headless Chromium: from a common topic to a signed convention,
its amendment, and an obligation that reaches "mes échéances", the iCalendar feed and a real SMTP server."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from tests.browser.conftest import axe_violations, log_in, run_management, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AGENT = ("agent", "agent-maillage-demo")
ADMIN = ("admin", "admin-maillage-demo")
MONTREUIL = ("correspondant", "correspondant-maillage-demo")
VINCENNES = ("correspondant2", "correspondant2-maillage-demo")
TODAY = dt.date.today()
TOPIC = "Mutualiser la végétalisation des cours d'école (E2E)"
OBLIGATION = "Rapport annuel de la convention E2E"


def submit(page, form_selector: str = "main form[method=post]") -> None:
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").last.click()


def select_containing(page, selector: str, text: str) -> None:
    """Choose the option whose label contains ``text`` (labels may carry a role or a status)."""
    value = page.locator(f"{selector} option", has_text=text).first.get_attribute("value")
    page.select_option(selector, value)


def move(page, status: str) -> None:
    """Click the button of the transition form that moves to ``status``."""
    with page.expect_navigation():
        page.locator(f"main form:has(input[name=to_status][value={status}]) button").first.click()
    errors = page.locator(".messages .message-error")
    assert errors.count() == 0, errors.all_inner_texts()


def as_user(browser, server, credentials):
    context = browser.new_context(base_url=server, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, *credentials)
    return context, page


def test_from_topic_to_signed_convention_and_its_deadlines(page, browser, server, mailbox):
    violations = {}
    log_in(page, *AGENT)

    # 1. An agent proposes a topic on behalf of the Ville de Paris.
    page.goto("/cooperation/sujets/nouveau/")
    page.fill("#id_title", TOPIC)
    page.fill(
        "#id_description", "Désimperméabiliser et végétaliser les cours, partager les marchés et les retours."
    )
    page.select_option("#id_proposer", label="Ville de Paris")
    submit(page)
    assert page.locator("h1").inner_text() == TOPIC
    topic_url = page.url

    # 2. The correspondents of two communes support it.
    for credentials in (MONTREUIL, VINCENNES):
        context, other = as_user(browser, server, credentials)
        other.goto(topic_url)
        submit(other, "form[action$='/interet/']")
        context.close()
    page.goto(topic_url)
    assert page.locator(".stats li").first.inner_text().startswith("3")
    page.wait_for_selector("#topic-map[data-loaded], .leaflet-container", state="attached")
    violations["topic"] = axe_violations(page)
    screenshot(page, "topic")

    # 3. Under study, retained, then turned into a cooperation.
    for status in ("studying", "retained"):
        page.select_option("form[action$='/statut/'] select", status)
        submit(page, "form[action$='/statut/']")
    submit(page, "form[action$='/transformer/']")
    assert "/cooperation/" in page.url and "/sujets/" not in page.url
    cooperation_title = page.locator("h1").inner_text()
    violations["cooperation"] = axe_violations(page)

    # 4. A financial convention with three parties and yearly amounts.
    page.goto("/conventions/nouvelle/")
    page.fill("#id_title", "Convention E2E cours oasis")
    page.select_option("#id_kind", label="Convention financière / de subvention")
    page.fill("#id_purpose", "Cofinancer la végétalisation de cours d'école à Montreuil et Vincennes.")
    page.select_option("#id_owner", label="Agent (démo)")
    page.select_option("#id_cooperation", label=cooperation_title)
    page.fill("#id_effective_on", TODAY.isoformat())
    page.fill("#id_expires_on", TODAY.replace(year=TODAY.year + 3).isoformat())
    submit(page)
    agreement_url = page.url
    for organization, role in (
        ("Métropole du Grand Paris", "signatory"),
        ("Ville de Montreuil", "signatory"),
        ("Ville de Vincennes", "beneficiary"),
    ):
        page.goto(agreement_url + "parties/ajouter/")
        page.select_option("#id_organization", label=organization)
        page.select_option("#id_role", role)
        submit(page)
    for year, amount in ((TODAY.year + 1, "60000"), (TODAY.year + 2, "60000")):
        page.goto(agreement_url + "engagements/ajouter/")
        select_containing(page, "#id_party", "Métropole du Grand Paris")
        page.fill("#id_year", str(year))
        page.fill("#id_amount", amount)
        submit(page)
    page.goto(agreement_url)
    assert "120" in page.locator("main").inner_text()

    # 5. Negotiation, legal review, deliberation (with its act), four-eyes validation, signature.
    move(page, "negotiation")
    move(page, "legal_review")
    move(page, "deliberation")
    page.goto(agreement_url + "deliberations/ajouter/")
    page.select_option("#id_organization", label="Métropole du Grand Paris")
    page.select_option("#id_body", "metropolitan_council")
    page.fill("#id_date", TODAY.isoformat())
    page.fill("#id_number", "CM-E2E-2026-01")
    submit(page)
    context, admin = as_user(browser, server, ADMIN)
    admin.goto(agreement_url)
    submit(admin, "form[action$='/valider/']")
    context.close()
    page.goto(agreement_url)
    move(page, "signature")
    page.goto(agreement_url + "modifier/")
    page.fill("#id_signed_on", TODAY.isoformat())
    submit(page)
    sign_links = [a.get_attribute("href") for a in page.locator("a[href$='/signature/']").all()]
    assert len(sign_links) == 3  # one per party
    for href in sign_links:
        page.goto(href)
        page.fill("#id_signed_on", TODAY.isoformat())
        submit(page)
    move(page, "in_force")
    assert page.locator("main form:has(input[name=to_status][value=terminated])").count() == 1
    violations["agreement"] = axe_violations(page)
    screenshot(page, "agreement-in-force")

    # 6. An amendment that extends the convention, through its own lifecycle.
    page.goto(agreement_url + "avenants/nouveau/")
    page.fill("#id_purpose", "Prolonger d'un an pour une seconde tranche de cours.")
    page.fill("#id_new_expires_on", TODAY.replace(year=TODAY.year + 4).isoformat())
    submit(page)
    amendment_url = page.url
    for status in ("negotiation", "legal_review", "deliberation"):
        move(page, status)
    page.locator("a[href*='/deliberations/ajouter/?amendment=']").click()
    page.wait_for_load_state()
    page.select_option("#id_organization", label="Métropole du Grand Paris")
    page.select_option("#id_body", "metropolitan_bureau")
    page.fill("#id_date", TODAY.isoformat())
    page.fill("#id_number", "BM-E2E-2026-02")
    submit(page)
    page.goto(amendment_url)
    move(page, "signature")
    page.goto(amendment_url + "modifier/")
    page.fill("#id_signed_on", TODAY.isoformat())
    submit(page)
    move(page, "in_force")
    page.goto(agreement_url)
    assert TODAY.replace(year=TODAY.year + 4).strftime("%d/%m/%Y") in page.locator("main").inner_text()

    # 7. An obligation due in 7 days: in "mes échéances", in the iCalendar feed, and e-mailed.
    page.goto(agreement_url + "obligations/ajouter/")
    page.select_option("#id_kind", "annual_report")
    page.fill("#id_title", OBLIGATION)
    page.fill("#id_due_on", (TODAY + dt.timedelta(days=7)).isoformat())
    page.select_option("#id_owner", label="Agent (démo)")
    submit(page)
    page.goto("/echeances/")
    assert OBLIGATION in page.locator("main").inner_text()
    violations["deadlines"] = axe_violations(page)
    screenshot(page, "deadlines")
    page.goto("/echeances/calendrier/")
    if page.locator("#feed-url").count() == 0:
        submit(page)
    feed = page.request.get(page.locator("#feed-url").input_value())
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.body())
    summaries = [str(event.get("SUMMARY")) for event in calendar.walk("VEVENT")]
    assert any(OBLIGATION in summary for summary in summaries)
    assert all(event.get("UID") for event in calendar.walk("VEVENT"))

    before = len(mailbox.messages)
    run_management("send_deadline_alerts")
    received = mailbox.messages[before:]
    assert any(
        "agent@demo.maillage.localhost" in rcpt and OBLIGATION in message.get_body(("plain",)).get_content()
        for rcpt, message in received
    )
    run_management("send_deadline_alerts")  # a second run sends nothing twice
    assert len(mailbox.messages) == before + len(received)

    page.goto("/conventions/")
    violations["register"] = axe_violations(page)
    assert not {name: found for name, found in violations.items() if found}


def test_cooperation_pages_have_no_serious_accessibility_violation(page):
    log_in(page, *AGENT)
    failures = {}
    for path in [
        "/cooperation/",
        "/cooperation/sujets/",
        "/conventions/",
        "/conventions/carte/",
        "/conventions/reseau/",
        "/conventions/donnees-ouvertes/",
        "/echeances/",
        "/echeances/calendrier/",
        "/communes/93048/",
    ]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if violations := axe_violations(page):
            failures[path] = violations
        screenshot(page, "coop-" + (path.strip("/").replace("/", "-") or "home"))
    assert not failures


def test_two_browsers_editing_the_same_convention(browser, server):
    """The second save is refused with a message; the first one is kept."""
    first_context, first = as_user(browser, server, AGENT)
    second_context, second = as_user(browser, server, ADMIN)
    first.goto("/conventions/?status=draft")
    url = first.locator("main table a[href^='/conventions/']").first.get_attribute("href")
    first.goto(url + "modifier/")
    second.goto(url + "modifier/")
    first.fill("#id_title", "Titre enregistré par le premier navigateur")
    submit(first)
    second.fill("#id_title", "Titre du second navigateur")
    with second.expect_navigation():
        second.locator("main form[method=post] button[type=submit]").last.click()
    assert "Quelqu'un d'autre a enregistré cette fiche" in second.locator("main").inner_text()
    first.goto(url)
    assert first.locator("h1").inner_text() == "Titre enregistré par le premier navigateur"
    first_context.close()
    second_context.close()
