"""The benchmark command's innovation and watch sections, on tiny volumes: they run and report."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management.base import OutputWrapper

from maillage.core.management.commands.benchmark import Command
from maillage.innovation.models import Solution
from maillage.watch.models import Item

pytestmark = pytest.mark.django_db


def command() -> tuple[Command, StringIO]:
    out = StringIO()
    instance = Command()
    instance.stdout = OutputWrapper(out)
    return instance, out


def test_innovation_section_times_the_catalogue_search_before_and_after_volume():
    instance, out = command()
    instance.innovation(40, 3)
    report = out.getvalue()
    assert Solution.objects.count() >= 40
    assert report.count("catalogue search") == 2 and "p95 × floor" in report and "Croissance" in report


def test_watch_section_reports_both_passes():
    instance, out = command()
    instance.watch(200)
    report = out.getvalue()
    assert Item.objects.count() >= 200
    assert "first_pass" in report and "second_pass" in report and "items_per_second" in report
