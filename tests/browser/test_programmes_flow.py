"""The programmes issue's flow in headless Chromium: an agent proposes an experiment in a QMI, defines
an indicator, has it retained by the committee, records two measures, evaluates it and decides to
generalise it; the host commune's profile then shows it."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import axe_violations, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AGENT = ("agent", "agent-maillage-demo")
TODAY = dt.date.today()
TITLE = "Bancs connectés et ombrières solaires (E2E)"


def submit(page) -> None:
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").last.click()
    errors = page.locator(".form-errors, .messages .message-error")
    assert errors.count() == 0, errors.all_inner_texts()


def click(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).or_(page.get_by_role("link", name=name)).first.click()
    errors = page.locator(".messages .message-error")
    assert errors.count() == 0, errors.all_inner_texts()


def test_experiment_from_proposal_to_generalisation(page):
    violations = {}
    log_in(page, *AGENT)

    # 1. Public list of programmes, then a new experiment in the QMI.
    page.goto("/programmes/")
    assert page.locator("h1").inner_text() == "Programmes et dispositifs"
    violations["programmes"] = axe_violations(page)
    page.goto("/programmes/experimentations/nouvelle/")
    violations["form"] = axe_violations(page)
    page.fill("#id_title", TITLE)
    page.select_option("#id_programme", label="Quartiers Métropolitains d'Innovation")
    page.fill(
        "#id_hypothesis",
        "Des bancs à l'ombre, alimentés par le soleil, allongent le temps passé sur la place.",
    )
    page.select_option("#id_host_commune", "93048")
    page.fill("#id_host_site", "Place Jean-Jaurès")
    page.fill("#id_start_date", (TODAY - dt.timedelta(days=30)).isoformat())
    submit(page)
    assert page.locator("h1").inner_text() == TITLE
    assert "Proposée" in page.locator(".lead").inner_text()
    experiment_url = page.url

    # 2. An indicator.
    click(page, "Ajouter un indicateur")
    page.fill("#id_name", "Temps moyen passé sur la place")
    page.fill("#id_unit", "min")
    page.fill("#id_baseline", "10")
    page.fill("#id_target", "20")
    submit(page)

    # 3. The committee retains it; it starts.
    click(page, "Enregistrer la sélection du comité")
    page.check("input[name=outcome][value=retained]")
    page.fill("#id_committee_date", TODAY.isoformat())
    page.fill("#id_opinion", "Avis favorable du jury QMI.")
    submit(page)
    assert "Retenue" in page.locator(".lead").inner_text()
    click(page, "Démarrer l'expérimentation")
    assert "En cours" in page.locator(".lead").inner_text()

    # 4. Two measures.
    for days, value in ((10, "13"), (1, "15")):
        click(page, "Saisir une mesure")
        page.select_option("#id_indicator", label="Temps moyen passé sur la place")
        page.fill("#id_measured_on", (TODAY - dt.timedelta(days=days)).isoformat())
        page.fill("#id_value", value)
        submit(page)
    row = page.locator("tbody tr").first.inner_text()
    assert "15" in row and "50 % de la cible" in row
    violations["running"] = axe_violations(page)

    # 5. Evaluation, then the decision « généraliser ».
    click(page, "Passer en évaluation")
    click(page, "Enregistrer la décision")
    page.fill("#id_evaluation", "Le temps passé sur la place a progressé de moitié vers la cible.")
    page.check("input[name=decision][value=generalise]")
    page.fill("#id_rationale", "Coût modeste, usage constaté : à déployer sur les autres places.")
    submit(page)
    assert page.url == experiment_url
    assert "Généraliser" in page.locator(".lead").inner_text()
    violations["decided"] = axe_violations(page)
    screenshot(page, "experiment")

    # 6. The host commune's profile shows it.
    page.goto("/communes/93048/")
    section = page.locator("section", has=page.locator("h2", has_text="Programmes et expérimentations"))
    assert TITLE in section.inner_text()
    assert "Quartiers Métropolitains d'Innovation" in section.inner_text()
    violations["commune"] = axe_violations(page)

    assert not any(violations.values()), violations
