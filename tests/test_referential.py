import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from maillage.territories.importer import DATA_DIR, ReferentialError, referential_import
from maillage.territories.models import Commune, Region
from maillage.territories.selectors import commune_resolve, home_summary

pytestmark = pytest.mark.django_db


def test_home_territory_has_130_communes_and_its_true_population():
    assert home_summary() == {"communes": 130, "population": 7_142_540}


def test_pierrefitte_resolves_to_saint_denis_with_a_notice():
    resolved = commune_resolve("93059")
    assert resolved.commune.code == "93066"
    assert "93059" in resolved.notice and "Saint-Denis" in resolved.notice


def test_a_rerun_changes_nothing():
    report = referential_import()
    assert report.changed == 0
    assert report.models["Communes"].unchanged == 34_875


def test_neighbours_come_from_the_polygons():
    saint_denis = Commune.objects.get(pk="93066")
    names = {c.name for c in saint_denis.neighbours.all()}
    assert {"Aubervilliers", "Stains", "Saint-Ouen-sur-Seine", "Paris"} <= names
    assert "Montreuil" not in names


def _broken_copy(tmp_path: Path, filename: str, line: int, new: str) -> Path:
    target = tmp_path / "ref"
    shutil.copytree(DATA_DIR, target)
    path = target / filename
    path.chmod(0o644)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def test_a_broken_row_gives_its_line_and_writes_nothing(tmp_path):
    directory = _broken_copy(
        tmp_path, "communes-france.csv", 3, "01002,L'Abergement-de-Varey,01,84,240100883,beaucoup"
    )
    Region.objects.filter(pk="84").update(name="Nom modifié avant import")
    with pytest.raises(ReferentialError, match=r"communes-france.csv, ligne 3 .*population"):
        referential_import(directory=directory)
    # Nothing was written: the region keeps the value set before the failed import.
    assert Region.objects.get(pk="84").name == "Nom modifié avant import"


def test_the_command_reports_errors_in_french(tmp_path):
    directory = _broken_copy(tmp_path, "communes-france.csv", 2, "XXXXX,Nulle part,01,84,,10")
    with pytest.raises(CommandError, match="code INSEE « XXXXX » invalide"):
        call_command("import_referential", "--dir", str(directory))


def test_territories_are_listed_in_their_order(client):
    from maillage.territories.selectors import territory_list

    assert [t.number for t in territory_list()] == [f"T{n}" for n in range(1, 13)]
