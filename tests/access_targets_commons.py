"""Access-matrix additions for the commons app: digital commons, publiccode.yml import and exports.

The own solution is held by camille's organisation (Montreuil), the other by bruno's (Vincennes); both are
public digital commons with a repository and a licence, so their publiccode.yml can be exported by anyone.
The import is for signed-in accounts that may add a solution (staff, correspondents); its confirmation is
POST only (an empty POST is sent back to the import page).
"""

from __future__ import annotations

from maillage.innovation import services as innovation_services


def _solution(title: str, holder, slug: str):
    return innovation_services.solution_create(
        data={
            "title": title,
            "summary": "Un logiciel libre de la commune.",
            "kind": "digital_common",
            "stage": "deployment",
            "visibility": "public",
            "licence": "AGPL-3.0-or-later",
            "repository_url": f"https://git.example.org/{slug}.git",
        },
        holders=[holder],
    )


def build(world) -> None:
    personas = world.personas
    world.own_common = _solution("Commun de Montreuil", personas.montreuil, "montreuil/commun")
    world.other_common = _solution("Commun de Vincennes", personas.vincennes, "vincennes/commun")


def _same(kwargs):
    return lambda w: (kwargs(w), kwargs(w))


TARGETS = {
    "commons:home": _same(lambda w: {}),
    "commons:import": _same(lambda w: {}),
    "commons:import_confirm": _same(lambda w: {}),
    "commons:publiccode_export": lambda w: ({"pk": w.own_common.pk}, {"pk": w.other_common.pk}),
    "commons:projets_territoire_export": _same(lambda w: {}),
    "commons:collectivites_export": _same(lambda w: {}),
}
SCOPED: dict = {}
POST_ONLY = {"commons:import_confirm"}
