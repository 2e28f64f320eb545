"""Programmes and experiments: lifecycle, bad input, permissions, pages, API and query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from maillage.core.concurrency import ConcurrentEditError
from maillage.programmes import services
from maillage.programmes.models import (
    Decision,
    Experiment,
    ExperimentStatus,
    Measure,
    ParticipantRole,
    ProgrammeLevel,
)
from maillage.programmes.selectors import progress_percent
from maillage.territories.models import Commune
from tests.conftest import login
from tests.factories import OrganizationFactory
from tests.factories_programmes import (
    decided,
    make_experiment,
    make_indicator,
    make_programme,
    make_qmi,
    retain,
    running,
)
from tests.i18n import fr

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Services: creation and dates ----------------------------------------------------------------


def test_qmi_experiment_ends_18_months_after_its_start(personas):
    qmi = make_qmi()
    experiment = make_experiment(programme=qmi, start_date=dt.date(2026, 8, 31), end_date=None)
    assert experiment.end_date == dt.date(2028, 2, 29)
    assert experiment.status == ExperimentStatus.PROPOSED
    # An explicit end date is kept.
    other = make_experiment(programme=qmi, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 6, 30))
    assert other.end_date == dt.date(2026, 6, 30)


def test_end_before_start_is_refused(personas):
    with pytest.raises(ValidationError) as error:
        make_experiment(start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 4, 1))
    assert fr("The end date must come after the start date.") in messages_of(error.value)
    assert not Experiment.objects.exists()


def test_programme_end_before_start_is_refused(personas):
    with pytest.raises(ValidationError):
        make_programme(start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 4, 1))


def test_participant_twice_is_refused(personas):
    programme = make_programme(participants=[(personas.montreuil, ParticipantRole.LEAD)])
    with pytest.raises(ValidationError) as error:
        services.participant_add(
            programme=programme, organization=personas.montreuil, role=ParticipantRole.PARTNER
        )
    assert "Montreuil" in messages_of(error.value)


def test_optimistic_locking_on_experiment(personas):
    experiment = make_experiment()
    services.experiment_update(experiment=experiment, data={"title": "Premier"}, expected_version=1)
    stale = Experiment.objects.get(pk=experiment.pk)
    with pytest.raises(ConcurrentEditError):
        services.experiment_update(experiment=stale, data={"title": "Second"}, expected_version=1)
    assert Experiment.objects.get(pk=experiment.pk).title == "Premier"


# --- Lifecycle ---------------------------------------------------------------------------------


def test_full_lifecycle_to_generalise(personas):
    experiment = make_experiment(programme=make_qmi())
    indicator = make_indicator(experiment, baseline=Decimal(10), target=Decimal(50))
    experiment = running(experiment)
    services.measure_add(
        experiment=experiment,
        indicator=indicator,
        data={"measured_on": TODAY - dt.timedelta(days=20), "value": 20},
    )
    services.measure_add(
        experiment=experiment,
        indicator=indicator,
        data={"measured_on": TODAY - dt.timedelta(days=2), "value": 30},
    )
    experiment = services.experiment_evaluate(experiment=experiment)
    experiment = services.experiment_decide(
        experiment=experiment,
        decision=Decision.GENERALISE,
        decision_date=TODAY,
        rationale="Objectif à mi-chemin, retours très positifs.",
        evaluation="La fréquentation a doublé.",
    )
    assert experiment.status == ExperimentStatus.DECIDED
    assert experiment.decision == Decision.GENERALISE
    assert experiment.cofinancing_eur == Decimal("20000")
    assert LogEntry.objects.get_for_object(experiment).exists()


@pytest.mark.parametrize(
    ("setup", "to_status"),
    [
        (lambda e: e, ExperimentStatus.RUNNING),
        (lambda e: e, ExperimentStatus.EVALUATION),
        (lambda e: e, ExperimentStatus.DECIDED),
        (lambda e: retain(e), ExperimentStatus.EVALUATION),
        (lambda e: retain(e), ExperimentStatus.DECIDED),
        (lambda e: running(e), ExperimentStatus.DECIDED),
        (lambda e: running(e), ExperimentStatus.RETAINED),
        (lambda e: services.experiment_evaluate(experiment=running(e)), ExperimentStatus.RUNNING),
        (lambda e: decided(e), ExperimentStatus.RUNNING),
        (lambda e: decided(e), ExperimentStatus.EVALUATION),
        (lambda e: e, "nonsense"),
    ],
)
def test_bad_moves_are_refused_in_french(personas, setup, to_status):
    experiment = setup(make_experiment())
    before = experiment.status
    with pytest.raises(ValidationError) as error:
        services.experiment_transition(experiment=experiment, to_status=to_status)
    text = messages_of(error.value)
    assert "expérimentation" in text.lower() or "décision" in text.lower() or "comité" in text.lower()
    assert Experiment.objects.get(pk=experiment.pk).status == before


def test_bad_move_message_names_allowed_moves(personas):
    experiment = make_experiment()
    with pytest.raises(ValidationError) as error:
        services.experiment_start(experiment=experiment)
    text = messages_of(error.value)
    assert "« Proposée »" in text and "« Retenue »" in text and "« Refusée »" in text


def test_refused_experiment_is_final(personas):
    experiment = services.experiment_committee(
        experiment=make_experiment(), retained=False, committee_date=None, opinion="Hors du champ."
    )
    assert experiment.status == ExperimentStatus.REFUSED
    for move in (ExperimentStatus.RUNNING, ExperimentStatus.RETAINED):
        with pytest.raises(ValidationError) as error:
            services.experiment_transition(experiment=experiment, to_status=move)
        assert "ne peut plus changer" in messages_of(error.value)
    with pytest.raises(ValidationError):
        services.experiment_committee(
            experiment=experiment, retained=True, committee_date=TODAY, opinion="Oui"
        )


def test_committee_rules(personas):
    experiment = make_experiment(programme=make_qmi())
    with pytest.raises(ValidationError) as error:
        services.experiment_committee(experiment=experiment, retained=True, committee_date=None, opinion="")
    assert set(error.value.error_dict) == {"committee_date", "opinion"}
    with pytest.raises(ValidationError) as error:
        services.experiment_committee(experiment=experiment, retained=False, committee_date=TODAY, opinion="")
    assert "opinion" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.experiment_committee(
            experiment=experiment,
            retained=True,
            committee_date=TODAY + dt.timedelta(days=3),
            opinion="Favorable",
        )
    assert "committee_date" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.experiment_committee(
            experiment=experiment,
            retained=True,
            committee_date=TODAY,
            opinion="Oui",
            cofinancing_eur=Decimal(-1),
        )
    assert "cofinancing_eur" in error.value.error_dict
    assert Experiment.objects.get(pk=experiment.pk).status == ExperimentStatus.PROPOSED
    # Without a committee requirement, retaining needs nothing more.
    plain = make_experiment(programme=make_programme())
    assert services.experiment_committee(
        experiment=plain, retained=True, committee_date=None, opinion=""
    ).status == (ExperimentStatus.RETAINED)


def test_decision_needs_evaluation_and_rationale(personas):
    experiment = services.experiment_evaluate(experiment=running(make_experiment()))
    with pytest.raises(ValidationError) as error:
        services.experiment_decide(
            experiment=experiment, decision=Decision.STOP, decision_date=TODAY, rationale="", evaluation=""
        )
    assert set(error.value.error_dict) == {"rationale", "evaluation"}
    assert fr("Give the rationale of the decision.") in messages_of(error.value)
    with pytest.raises(ValidationError) as error:
        services.experiment_decide(
            experiment=experiment, decision="maybe", decision_date=TODAY, rationale="r", evaluation="e"
        )
    assert "decision" in error.value.error_dict
    assert Experiment.objects.get(pk=experiment.pk).status == ExperimentStatus.EVALUATION


def test_extend_needs_a_later_end_date_then_resumes(personas):
    experiment = services.experiment_evaluate(
        experiment=running(make_experiment(end_date=TODAY + dt.timedelta(days=10)))
    )
    for bad in (None, TODAY):
        with pytest.raises(ValidationError) as error:
            services.experiment_decide(
                experiment=experiment,
                decision=Decision.EXTEND,
                decision_date=TODAY,
                rationale="Besoin de plus de recul.",
                evaluation="Résultats encourageants.",
                new_end_date=bad,
            )
        assert "new_end_date" in error.value.error_dict
    new_end = TODAY + dt.timedelta(days=200)
    experiment = services.experiment_decide(
        experiment=experiment,
        decision=Decision.EXTEND,
        decision_date=TODAY,
        rationale="Besoin de plus de recul.",
        evaluation="Résultats encourageants.",
        new_end_date=new_end,
    )
    assert experiment.end_date == new_end
    experiment = services.experiment_transition(experiment=experiment, to_status=ExperimentStatus.RUNNING)
    assert experiment.status == ExperimentStatus.RUNNING
    # A decision other than « extend » cannot resume.
    stopped = decided(make_experiment(), Decision.STOP)
    with pytest.raises(ValidationError):
        services.experiment_resume(experiment=stopped)


# --- Indicators and measures ---------------------------------------------------------------------


def test_measure_rules(personas):
    experiment = make_experiment()
    indicator = make_indicator(experiment)
    with pytest.raises(ValidationError) as error:  # not running yet
        services.measure_add(
            experiment=experiment, indicator=indicator, data={"measured_on": TODAY, "value": 1}
        )
    assert "en cours" in messages_of(error.value)
    experiment = running(experiment)
    other_indicator = make_indicator(running(make_experiment(commune="94080")))
    with pytest.raises(ValidationError) as error:
        services.measure_add(
            experiment=experiment, indicator=other_indicator, data={"measured_on": TODAY, "value": 1}
        )
    assert fr("This indicator does not belong to this experiment.") in messages_of(error.value)
    with pytest.raises(ValidationError) as error:
        services.measure_add(
            experiment=experiment,
            indicator=indicator,
            data={"measured_on": TODAY + dt.timedelta(days=1), "value": 1},
        )
    assert "measured_on" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.measure_add(
            experiment=experiment,
            indicator=indicator,
            data={"measured_on": experiment.start_date - dt.timedelta(days=1), "value": 1},
        )
    assert "measured_on" in error.value.error_dict
    services.measure_add(experiment=experiment, indicator=indicator, data={"measured_on": TODAY, "value": 1})
    with pytest.raises(ValidationError) as error:
        services.measure_add(
            experiment=experiment, indicator=indicator, data={"measured_on": TODAY, "value": 2}
        )
    assert "measured_on" in error.value.error_dict
    assert Measure.objects.count() == 1


def test_indicator_name_once(personas):
    experiment = make_experiment()
    make_indicator(experiment, name="Usagers")
    with pytest.raises(ValidationError) as error:
        make_indicator(experiment, name="Usagers")
    assert "Usagers" in messages_of(error.value)


def test_progress_percent():
    assert progress_percent(Decimal(10), Decimal(50), Decimal(30)) == 50
    assert progress_percent(None, Decimal(200), Decimal(50)) == 25
    assert progress_percent(Decimal(100), Decimal(60), Decimal(80)) == 50  # a decrease is the goal
    assert progress_percent(Decimal(10), Decimal(50), Decimal(90)) == 100
    assert progress_percent(Decimal(10), Decimal(50), Decimal(0)) == 0


# --- Views and permissions -----------------------------------------------------------------------


def test_programme_pages_are_public_with_filters_and_csv(client, personas):
    programme = make_programme(
        name="Action cœur de ville (test)",
        level=ProgrammeLevel.NATIONAL,
        participants=[(personas.montreuil, ParticipantRole.BENEFICIARY)],
    )
    make_programme(name="Interreg Europe (test)", level=ProgrammeLevel.EUROPEAN)
    response = client.get("/programmes/?level=national")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Action cœur de ville (test)" in content and "Interreg Europe (test)" not in content
    content = client.get(f"/programmes/?organization={personas.montreuil.pk}").content.decode()
    assert "Action cœur de ville (test)" in content and "Interreg Europe (test)" not in content
    response = client.get("/programmes/?format=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Action cœur de ville (test)" in body and "Bénéficiaire" in body
    detail = client.get(f"/programmes/{programme.pk}/").content.decode()
    assert "Bénéficiaire" in detail and "Montreuil" in detail


def test_experiments_hidden_from_anonymous(client, personas):
    experiment = make_experiment()
    assert client.get("/programmes/experimentations/").status_code == 302
    assert client.get(f"/programmes/experimentations/{experiment.pk}/").status_code == 302
    assert client.get("/api/v1/experiments/").status_code == 403
    assert client.get("/api/v1/programmes/").status_code == 200


def test_correspondent_of_host_commune_records_measures_but_not_decides(personas):
    experiment = running(make_experiment(commune="93048"))
    indicator = make_indicator(experiment)
    camille, bruno = login(personas.camille), login(personas.bruno)
    url = f"/programmes/experimentations/{experiment.pk}/mesures/ajouter/"
    data = {"indicator": indicator.pk, "measured_on": TODAY.isoformat(), "value": "25", "note": ""}
    assert bruno.post(url, data).status_code == 403
    response = camille.post(url, data)
    assert response.status_code == 302
    assert Measure.objects.filter(indicator=indicator).count() == 1
    # Camille may change the description, not the dates; and she never moves the experiment.
    response = camille.post(
        f"/programmes/experimentations/{experiment.pk}/modifier/",
        {
            "description": "Nouveau texte",
            "host_site": "Parc",
            "version": experiment.version,
            "end_date": "2020-01-01",
        },
    )
    assert response.status_code == 302
    experiment.refresh_from_db()
    assert experiment.description == "Nouveau texte" and experiment.end_date != dt.date(2020, 1, 1)
    assert camille.post(
        f"/programmes/experimentations/{experiment.pk}/statut/", {"to_status": "evaluation"}
    ).status_code == (403)
    assert camille.get(f"/programmes/experimentations/{experiment.pk}/decision/").status_code == 403


def test_forged_indicator_id_is_refused_by_the_view(agent_client, personas):
    experiment = running(make_experiment())
    make_indicator(experiment)
    foreign = make_indicator(running(make_experiment(commune="94080")))
    response = agent_client.post(
        f"/programmes/experimentations/{experiment.pk}/mesures/ajouter/",
        {"indicator": foreign.pk, "measured_on": TODAY.isoformat(), "value": "3"},
    )
    assert response.status_code == 200
    assert fr("This indicator does not belong to this experiment.") in response.content.decode().replace(
        "&#x27;", "'"
    )
    assert not Measure.objects.exists()


def test_agent_flow_through_views(agent_client, personas):
    qmi = make_qmi()
    montreuil = Commune.objects.get(pk="93048")
    response = agent_client.post(
        "/programmes/experimentations/nouvelle/",
        {
            "title": "Îlot de fraîcheur (test)",
            "programme": qmi.pk,
            "hypothesis": "Les cours végétalisées baissent la température de 2 °C.",
            "host_commune": montreuil.pk,
            "start_date": (TODAY - dt.timedelta(days=40)).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    experiment = Experiment.objects.get(title="Îlot de fraîcheur (test)")
    base = f"/programmes/experimentations/{experiment.pk}/"
    assert experiment.end_date is not None
    # Retain without committee date in a QMI: refused with a message on the form.
    response = agent_client.post(base + "comite/", {"outcome": "retained", "opinion": ""})
    assert response.status_code == 200 and "comité" in response.content.decode()
    response = agent_client.post(
        base + "comite/",
        {
            "outcome": "retained",
            "committee_date": TODAY.isoformat(),
            "opinion": "Favorable",
            "cofinancing_eur": "15000",
        },
    )
    assert response.status_code == 302
    agent_client.post(base + "statut/", {"to_status": "running"})
    agent_client.post(
        base + "indicateurs/ajouter/", {"name": "Température", "unit": "°C", "baseline": "30", "target": "28"}
    )
    indicator = experiment.indicators.get()
    agent_client.post(
        base + "mesures/ajouter/",
        {"indicator": indicator.pk, "measured_on": TODAY.isoformat(), "value": "29"},
    )
    # A bad move from a button is a message, not a change.
    response = agent_client.post(base + "statut/", {"to_status": "decided"}, follow=True)
    assert "décision" in response.content.decode()
    agent_client.post(base + "statut/", {"to_status": "evaluation"})
    response = agent_client.post(
        base + "decision/", {"decision": "generalise", "evaluation": "Concluant", "rationale": ""}
    )
    assert response.status_code == 200
    response = agent_client.post(
        base + "decision/",
        {
            "decision": "generalise",
            "evaluation": "Concluant",
            "rationale": "Gain mesuré",
            "decision_date": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    experiment.refresh_from_db()
    assert experiment.status == ExperimentStatus.DECIDED
    page = agent_client.get(base).content.decode()
    assert "50 %" in page and "Généraliser" in page
    commune_page = agent_client.get("/communes/93048/").content.decode()
    assert "Îlot de fraîcheur (test)" in commune_page


def test_programme_create_and_concurrent_edit(agent_client, personas):
    response = agent_client.post(
        "/programmes/nouveau/", {"name": "URBACT (test)", "level": "european", "funder": "Union européenne"}
    )
    assert response.status_code == 302
    from maillage.programmes.models import Programme

    programme = Programme.objects.get(name="URBACT (test)")
    data = {"name": "URBACT IV", "level": "european", "version": programme.version}
    assert agent_client.post(f"/programmes/{programme.pk}/modifier/", data).status_code == 302
    response = agent_client.post(f"/programmes/{programme.pk}/modifier/", data)
    assert response.status_code == 200
    assert "Quelqu" in response.content.decode() or "quelqu" in response.content.decode()
    org = OrganizationFactory()
    response = agent_client.post(
        f"/programmes/{programme.pk}/participants/ajouter/", {"organization": org.pk, "role": "lead"}
    )
    assert response.status_code == 302
    assert programme.participants.count() == 1
    agent_client.post(
        f"/programmes/{programme.pk}/participants/retirer/", {"participant": programme.participants.get().pk}
    )
    assert programme.participants.count() == 0


def test_correspondent_cannot_create(correspondent_client):
    assert correspondent_client.get("/programmes/nouveau/").status_code == 403
    assert correspondent_client.get("/programmes/experimentations/nouvelle/").status_code == 403


# --- API -----------------------------------------------------------------------------------------


def test_api(agent_client, client, personas):
    programme = make_programme(
        name="France 2030 (test)", participants=[(personas.montreuil, ParticipantRole.LEAD)]
    )
    experiment = running(make_experiment(programme=programme))
    indicator = make_indicator(experiment, baseline=Decimal(0), target=Decimal(100))
    services.measure_add(experiment=experiment, indicator=indicator, data={"measured_on": TODAY, "value": 40})
    data = client.get(f"/api/v1/programmes/?party={personas.montreuil.pk}").json()
    assert [p["name"] for p in data["results"]] == ["France 2030 (test)"]
    assert data["results"][0]["participants"][0]["role"] == "lead"
    assert client.get("/api/v1/programmes/?level=galactic").status_code == 400
    data = agent_client.get(f"/api/v1/experiments/{experiment.pk}/").json()
    assert data["indicators"][0]["progress"] == 40
    assert data["host_commune"] == "93048"
    assert agent_client.get("/api/v1/experiments/?commune=94080").json()["count"] == 0
    schema = client.get("/api/v1/openapi.json").content.decode()
    assert "/api/v1/experiments/" in schema and "/api/v1/programmes/" in schema


# --- Query counts ------------------------------------------------------------------------------


def _count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _grow(personas, programme, rows: int) -> None:
    for _ in range(rows):
        other = make_programme(participants=[(OrganizationFactory(), ParticipantRole.PARTNER)])
        services.participant_add(
            programme=other, organization=personas.montreuil, role=ParticipantRole.OBSERVER
        )
        services.participant_add(
            programme=programme, organization=OrganizationFactory(), role=ParticipantRole.PARTNER
        )
        experiment = running(make_experiment(programme=programme))
        indicator = make_indicator(experiment)
        services.measure_add(
            experiment=experiment, indicator=indicator, data={"measured_on": TODAY, "value": 12}
        )


def test_query_counts_are_constant(personas):
    programme = make_programme(participants=[(personas.montreuil, ParticipantRole.LEAD)])
    detail = running(make_experiment(programme=programme))
    first = make_indicator(detail)
    services.measure_add(experiment=detail, indicator=first, data={"measured_on": TODAY, "value": 1})
    clients = {
        "anonymous": login(None),
        "agent": login(personas.arthur),
        "correspondent": login(personas.camille),
    }

    def measure() -> dict:
        counts = {}
        for role, client in clients.items():
            urls = ["/programmes/", f"/programmes/{programme.pk}/", "/communes/93048/", "/api/v1/programmes/"]
            if role != "anonymous":
                urls += [
                    "/programmes/experimentations/",
                    f"/programmes/experimentations/{detail.pk}/",
                    "/api/v1/experiments/",
                ]
            for url in urls:
                counts[(role, url)] = _count(client, url)
        return counts

    _grow(personas, programme, 5)
    small = measure()
    _grow(personas, programme, 45)
    for index in range(45):  # many indicators and measures on the detail page
        indicator = make_indicator(detail, name=f"Indicateur volumineux {index}")
        services.measure_add(
            experiment=detail, indicator=indicator, data={"measured_on": TODAY, "value": index}
        )
    assert measure() == small


# --- Demo ----------------------------------------------------------------------------------------


def test_demo_load_is_idempotent_and_works_without_solutions(personas):
    from maillage.demo import programmes_demo
    from maillage.programmes.models import Programme

    counts = programmes_demo.load()
    assert counts["programmes"] == 9 and counts["expérimentations"] == 3
    assert programmes_demo.load() == {}
    qmi = Programme.objects.get(name=programmes_demo.QMI)
    assert qmi.participants.filter(organization=personas.montreuil).exists()
    statuses = set(Experiment.objects.values_list("status", flat=True))
    assert statuses == {ExperimentStatus.RUNNING, ExperimentStatus.DECIDED, ExperimentStatus.PROPOSED}
    extended = Experiment.objects.get(status=ExperimentStatus.DECIDED)
    assert extended.decision == Decision.EXTEND and extended.cofinancing_eur == Decimal("45000")


# --- Solution section and visibility of linked records ---------------------------------------------


def _solution(title: str, visibility: str):
    from maillage.innovation.models import Solution, SolutionKind

    return Solution.objects.create(
        title=title,
        summary="Résumé.",
        kind=SolutionKind.METHOD,
        visibility=visibility,
        search_text=title.lower(),
    )


def test_solution_section_and_visibility(client, agent_client, personas):
    public, internal = (
        _solution("Solution publique (test)", "public"),
        _solution("Solution interne (test)", "internal"),
    )
    programme = make_programme(name="Programme lié (test)")
    programme.solutions.set([public, internal])
    make_experiment(title="Expérience sur la solution (test)", solution=public, programme=programme)
    # Anonymous visitors see the programme and the public solution, not the internal one nor experiments.
    detail = client.get(f"/programmes/{programme.pk}/").content.decode()
    assert "Solution publique (test)" in detail and "Solution interne (test)" not in detail
    assert "Expérience sur la solution (test)" not in detail
    assert client.get(f"/api/v1/programmes/{programme.pk}/").json()["solutions"] == [public.pk]
    page = client.get(f"/innovation/solutions/{public.pk}/").content.decode()
    assert "Programme lié (test)" in page and "Expérience sur la solution (test)" not in page
    page = agent_client.get(f"/innovation/solutions/{public.pk}/").content.decode()
    assert "Programme lié (test)" in page and "Expérience sur la solution (test)" in page


def test_solution_section_query_count_is_constant(personas):
    from django.test import RequestFactory

    from maillage.programmes.sections import solution_section

    solution = _solution("Solution très expérimentée (test)", "public")
    request = RequestFactory().get("/")
    request.user = personas.arthur

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            section = solution_section(request, solution)
        assert section is not None
        return len(captured)

    make_programme().solutions.add(solution)
    make_experiment(solution=solution)
    small = queries()
    for _ in range(15):
        make_programme().solutions.add(solution)
        make_experiment(solution=solution)
    assert queries() == small == 2


def test_pages_of_impossible_moves_redirect_with_the_reason(agent_client, personas):
    experiment = retain(make_experiment())
    base = f"/programmes/experimentations/{experiment.pk}/"
    for page in ("comite/", "decision/", "mesures/ajouter/"):
        response = agent_client.get(base + page, follow=True)
        assert response.redirect_chain[-1][0] == base
        assert "message-error" in response.content.decode()
    response = agent_client.post(base + "comite/", {"outcome": "refused", "opinion": "Non"}, follow=True)
    assert "Retenue" in response.content.decode()
    experiment.refresh_from_db()
    assert experiment.status == ExperimentStatus.RETAINED
