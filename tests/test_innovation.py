"""Catalogue of solutions: services (each bad input), selectors and perms, views, lineage, map, sections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from maillage.core.concurrency import ConcurrentEditError
from maillage.innovation import perms, selectors, services
from maillage.innovation.lineage import lineage_tree
from maillage.innovation.models import Replication, Solution, SolutionStage, SolutionVisibility
from maillage.innovation.suggestions import suggestions_for_commune
from maillage.territories.models import Commune
from maillage.territories.selectors import commune_detail
from tests.conftest import login
from tests.factories_innovation import make_replication, make_solution
from tests.i18n import CONCURRENT_EDIT, fr, fr_escaped

pytestmark = pytest.mark.django_db

MONTREUIL, VINCENNES, BAGNOLET, ROMAINVILLE, PANTIN = "93048", "94080", "93006", "93063", "93055"


def messages_of(error: ValidationError, field: str) -> list[str]:
    return error.value.message_dict[field]


# --- Services ---------------------------------------------------------------------------------


def test_create_sets_search_text_and_relations(personas):
    solution = make_solution(title="Budget participatif « Éco »", holders=[personas.montreuil])
    solution.refresh_from_db()
    assert "budget participatif" in solution.search_text and "eco" in solution.search_text
    assert "montreuil" in solution.search_text
    assert list(solution.holders.all()) == [personas.montreuil]


def test_create_refuses_negative_cost_and_missing_title(personas):
    with pytest.raises(ValidationError) as error:
        make_solution(title="", cost_eur=Decimal("-1"))
    assert "title" in error.value.message_dict
    assert Solution.objects.count() == 0


def test_update_is_versioned(personas):
    solution = make_solution()
    services.solution_update(solution=solution, data={"title": "Cours Oasis"}, expected_version=1)
    stale = Solution.objects.get(pk=solution.pk)
    with pytest.raises(ConcurrentEditError):
        services.solution_update(solution=stale, data={"title": "Autre"}, expected_version=1)
    assert Solution.objects.get(pk=solution.pk).title == "Cours Oasis"


def test_stage_moves_one_step_and_back_needs_a_reason(personas):
    solution = make_solution(stage=SolutionStage.IDEA)
    with pytest.raises(ValidationError) as error:
        services.solution_change_stage(solution=solution, to_stage=SolutionStage.DEPLOYMENT)
    assert "stage" in error.value.message_dict
    solution = services.solution_change_stage(solution=solution, to_stage=SolutionStage.EXPERIMENTATION)
    assert solution.stage == SolutionStage.EXPERIMENTATION and solution.version == 2
    with pytest.raises(ValidationError) as error:
        services.solution_change_stage(solution=solution, to_stage=SolutionStage.IDEA)
    assert error.value.message_dict["reason"]
    solution = services.solution_change_stage(
        solution=solution, to_stage=SolutionStage.IDEA, reason="Pas mûr"
    )
    assert solution.stage == SolutionStage.IDEA


def test_replication_refusals_write_nothing(personas):
    solution = make_solution(origin=MONTREUIL)
    other = make_solution(title="Autre", origin=VINCENNES)
    other_replica = make_replication(other, BAGNOLET)
    first = make_replication(solution, BAGNOLET)
    before = Replication.objects.count()
    cases = [
        ({"commune": Commune.objects.get(pk=MONTREUIL)}, "commune"),  # origin commune
        ({"commune": Commune.objects.get(pk=BAGNOLET)}, "commune"),  # duplicate
        ({"commune": Commune.objects.get(pk=PANTIN), "parent": other_replica}, "parent"),  # other solution
        ({"commune": Commune.objects.get(pk=PANTIN), "date": dt.date.today() + dt.timedelta(days=3)}, "date"),
        ({"commune": "99999"}, "commune"),  # forged code
    ]
    for data, field in cases:
        data = {"date": dt.date(2025, 1, 1), **data}
        with pytest.raises(ValidationError) as error:
            services.replication_create(solution=solution, data=data)
        assert field in error.value.message_dict, (data, error.value.message_dict)
    assert Replication.objects.count() == before
    assert first.parent is None


def test_replication_update_refuses_cycles(personas):
    solution = make_solution(origin=MONTREUIL)
    b = make_replication(solution, BAGNOLET)
    c = make_replication(solution, ROMAINVILLE, parent=b)
    with pytest.raises(ValidationError) as error:
        services.replication_update(replication=b, data={"parent": c})
    assert "parent" in error.value.message_dict
    services.replication_update(replication=c, data={"parent": None, "outcome": "success"})
    c.refresh_from_db()
    assert c.parent is None and c.outcome == "success"


# --- Lineage ----------------------------------------------------------------------------------


def test_lineage_tree(personas):
    solution = make_solution(origin=MONTREUIL)
    b = make_replication(solution, BAGNOLET, date=dt.date(2024, 1, 1))
    make_replication(solution, ROMAINVILLE, parent=b, date=dt.date(2024, 6, 1))
    make_replication(solution, VINCENNES, date=dt.date(2023, 1, 1))
    tree = lineage_tree(Replication.objects.select_related("commune").filter(solution=solution))
    assert [n.replication.commune_id for n in tree] == [VINCENNES, BAGNOLET]
    assert [n.replication.commune_id for n in tree[1].children] == [ROMAINVILLE]


# --- Visibility and permissions -------------------------------------------------------------


def test_internal_solutions_hidden_from_anonymous(client, personas):
    internal = make_solution(title="Interne", visibility=SolutionVisibility.INTERNAL)
    public = make_solution(title="Publique", origin=VINCENNES)
    url = reverse("innovation:solution_detail", args=[internal.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("innovation:solution_detail", args=[public.pk])).status_code == 200
    assert login(personas.bruno).get(url).status_code == 200
    listing = client.get(reverse("innovation:solution_list")).content.decode()
    assert "Publique" in listing and "Interne" not in listing
    assert client.get(reverse("innovation:solution_map_data", args=[internal.pk])).status_code == 404


def test_correspondent_rights(personas):
    own = make_solution(origin=MONTREUIL)
    held = make_solution(title="Portée", origin=None, holders=[personas.montreuil])
    other = make_solution(title="Vincennes", origin=VINCENNES)
    own = selectors.solution_for_edit(pk=own.pk)
    assert perms.can_edit_solution(personas.camille, own)
    assert perms.can_edit_solution(personas.camille, selectors.solution_for_edit(pk=held.pk))
    assert not perms.can_edit_solution(personas.camille, selectors.solution_for_edit(pk=other.pk))
    assert perms.can_edit_solution(personas.arthur, other)
    assert perms.can_replicate_into(personas.camille, MONTREUIL)
    assert not perms.can_replicate_into(personas.camille, VINCENNES)
    assert perms.can_create_solution_with(personas.camille, holder_ids=set(), origin_commune_code=MONTREUIL)
    assert not perms.can_create_solution_with(
        personas.camille, holder_ids=set(), origin_commune_code=VINCENNES
    )


# --- Views ------------------------------------------------------------------------------------


def test_list_search_filters_and_exports(client, personas):
    a = make_solution(title="Végétalisation des cours d'école", origin=MONTREUIL)
    make_solution(title="Budget participatif", origin=VINCENNES, kind="method")
    make_replication(a, BAGNOLET)
    url = reverse("innovation:solution_list")
    page = client.get(url, {"q": "vegetalisation ecole"}).content.decode()
    assert "Végétalisation" in page and "Budget participatif" not in page
    page = client.get(url, {"commune": BAGNOLET}).content.decode()
    assert "Végétalisation" in page and "Budget participatif" not in page
    page = client.get(url, {"kind": "method"}).content.decode()
    assert "Budget participatif" in page and "Végétalisation" not in page
    page = client.get(url, {"territory": "200057875"}).content.decode()  # Est Ensemble
    assert "Végétalisation" in page and "Budget participatif" not in page
    response = client.get(url, {"format": "csv"})
    body = b"".join(response.streaming_content).decode()
    assert "Bagnolet" in body and fr("Replicated in") in body
    assert client.get(url, {"format": "xlsx"}).status_code == 200


def test_agent_creates_edits_and_publishes(agent_client, personas):
    response = agent_client.post(
        reverse("innovation:solution_create"),
        {
            "title": "Vélo-école",
            "summary": "Apprendre le vélo aux adultes.",
            "kind": "method",
            "stage": "experimentation",
            "visibility": "internal",
            "origin_commune": MONTREUIL,
            "holders": [personas.montreuil.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    solution = Solution.objects.get(title="Vélo-école")
    detail = reverse("innovation:solution_detail", args=[solution.pk])
    assert response["Location"] == detail
    agent_client.post(reverse("innovation:solution_visibility", args=[solution.pk]), {"visibility": "public"})
    solution.refresh_from_db()
    assert solution.visibility == "public"
    response = agent_client.post(
        reverse("innovation:solution_update", args=[solution.pk]),
        {"title": "Vélo-école adultes", "summary": "x", "kind": "method", "version": 1},
    )
    assert response.status_code == 200 and fr_escaped(CONCURRENT_EDIT) in response.content.decode()


def test_correspondent_create_must_be_holder_or_origin(correspondent_client, personas):
    response = correspondent_client.post(
        reverse("innovation:solution_create"),
        {
            "title": "X",
            "summary": "y",
            "kind": "method",
            "stage": "idea",
            "visibility": "public",
            "origin_commune": VINCENNES,
        },
    )
    assert response.status_code == 200 and not Solution.objects.exists()
    response = correspondent_client.post(
        reverse("innovation:solution_create"),
        {
            "title": "X",
            "summary": "y",
            "kind": "method",
            "stage": "idea",
            "visibility": "public",
            "origin_commune": MONTREUIL,
        },
    )
    assert response.status_code == 302


def test_replication_form_on_detail(personas):
    solution = make_solution(origin=VINCENNES)
    client = login(personas.camille)
    url = reverse("innovation:replication_create", args=[solution.pk])
    response = client.post(url, {"commune": MONTREUIL, "date": "2025-02-01", "outcome": "success"})
    assert response.status_code == 302
    assert Replication.objects.get(solution=solution).commune_id == MONTREUIL
    # a correspondent cannot declare for another commune
    response = client.post(url, {"commune": BAGNOLET, "date": "2025-02-01", "outcome": "success"})
    assert response.status_code == 200 and Replication.objects.count() == 1
    # agent: future date refused with a French message, nothing written
    agent = login(personas.arthur)
    future = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    response = agent.post(url, {"commune": BAGNOLET, "date": future, "outcome": "in_progress"})
    assert "futur" in response.content.decode() and Replication.objects.count() == 1
    response = agent.post(url, {"commune": "99999", "date": "2025-01-01", "outcome": "in_progress"})
    assert response.status_code == 200 and Replication.objects.count() == 1


def test_detail_shows_lineage_sections_and_history(agent_client, personas):
    solution = make_solution(origin=MONTREUIL)
    b = make_replication(solution, BAGNOLET)
    make_replication(solution, ROMAINVILLE, parent=b)
    page = agent_client.get(reverse("innovation:solution_detail", args=[solution.pk])).content.decode()
    assert "Bagnolet" in page and "Romainville" in page
    assert fr("History") in page
    assert 'class="lineage"' in page


def test_map_geojson(client, personas):
    solution = make_solution(origin=MONTREUIL)
    make_replication(solution, BAGNOLET)
    data = client.get(reverse("innovation:solution_map_data", args=[solution.pk])).json()
    states = {f["properties"]["code"]: f["properties"]["state"] for f in data["features"]}
    assert states[MONTREUIL] == "origin" and states[BAGNOLET] == "replica"
    assert states[VINCENNES] == "other"


# --- Commune profile ----------------------------------------------------------------------------


def test_suggestions_with_reasons(personas):
    solution = make_solution(title="Cour Oasis", origin=MONTREUIL)
    make_replication(solution, ROMAINVILLE)
    make_solution(title="Déjà là", origin=BAGNOLET)
    suggestions = suggestions_for_commune(user=personas.arthur, commune=commune_detail(BAGNOLET))
    assert [s.solution.title for s in suggestions] == ["Cour Oasis"]
    reasons = suggestions[0].reasons
    assert any("Montreuil" in r and "Romainville" in r and "voisines" in r for r in reasons), reasons
    assert any("Est Ensemble" in r for r in reasons), reasons


def test_commune_profile_sections(client, personas):
    solution = make_solution(title="Cour Oasis", origin=MONTREUIL)
    make_replication(solution, ROMAINVILLE)
    page = client.get(reverse("territories:commune_detail", args=[BAGNOLET])).content.decode()
    assert fr("Solutions to consider") in page and "Cour Oasis" in page
    page = client.get(reverse("territories:commune_detail", args=[ROMAINVILLE])).content.decode()
    assert fr("Solutions deployed in this commune") in page and "Cour Oasis" in page


def test_home_hub(client):
    page = client.get(reverse("innovation:home")).content.decode()
    assert reverse("innovation:solution_list") in page


def test_origin_cannot_move_to_a_replicating_commune(personas):
    solution = make_solution(origin=MONTREUIL)
    make_replication(solution, BAGNOLET)
    with pytest.raises(ValidationError) as error:
        services.solution_update(
            solution=solution, data={"origin_commune": Commune.objects.get(pk=BAGNOLET)}, expected_version=1
        )
    assert "origin_commune" in error.value.message_dict
    assert Solution.objects.get(pk=solution.pk).origin_commune_id == MONTREUIL


def test_replication_edit_view(personas):
    solution = make_solution(origin=VINCENNES)
    b = make_replication(solution, BAGNOLET)
    mine = make_replication(solution, MONTREUIL)
    client = login(personas.camille)
    url = reverse("innovation:replication_update", args=[mine.pk])
    response = client.post(url, {"parent": str(b.pk), "date": "2025-01-02", "outcome": "partial"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.parent_id == b.pk and mine.outcome == "partial"
    assert client.get(reverse("innovation:replication_update", args=[b.pk])).status_code == 403


def test_personal_data_provider(personas):
    from maillage.innovation import personal_data
    from tests.factories import PersonFactory

    person = PersonFactory()
    solution = make_solution()
    solution.contacts.add(person)
    replication = make_replication(solution, BAGNOLET)
    Replication.objects.filter(pk=replication.pk).update(contact=person)
    exported = personal_data.export(person)
    assert exported["contact_of_solutions"][0]["title"] == solution.title
    assert exported["contact_of_replications"][0]["commune"] == "Bagnolet"
    personal_data.erase(person)
    assert not solution.contacts.exists()
    assert Replication.objects.get(pk=replication.pk).contact is None
