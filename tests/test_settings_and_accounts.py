import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from maillage.core.models import PeriodicJobRun
from maillage.core.scheduler import enqueue_due_jobs
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[1]


def run_check(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={k: v for k, v in {**os.environ, **env}.items() if k != "DATABASE_URL"}
        | {"DATABASE_URL": "sqlite:///:memory:"},
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_check_deploy():
    result = run_check(
        MAILLAGE_ENV="production",
        SECRET_KEY="x" * 30 + "-production-secret-for-tests-only-0123456789",
        ALLOWED_HOSTS="maillage.example.org",
        DEBUG="false",
        EMAIL_URL="smtp://relais.example.org:587/?tls=True",
        DEFAULT_FROM_EMAIL="Maillage <maillage@example.org>",
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MAILLAGE_ENV": "production", "ALLOWED_HOSTS": "x"}, "SECRET_KEY"),
        ({"DEBUG": "peut-être"}, "DEBUG"),
        ({"MAILLAGE_HOME_EPCI_SIREN": "200054782"}, "MAILLAGE_HOME_EPCI_SIREN"),
        ({"EMAIL_URL": "pigeon://voyageur"}, "EMAIL_URL"),
        ({"MAILLAGE_ENV": "staging"}, "MAILLAGE_ENV"),
        ({"CACHE_BACKEND": "memcached"}, "CACHE_BACKEND"),
        ({"MAILLAGE_ENV": "production", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "x"}, "EMAIL_URL"),
    ],
)
def test_bad_settings_fail_loudly(env, message):
    result = run_check(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_passwords_need_twelve_characters():
    with pytest.raises(ValidationError):
        validate_password("court-11car")
    validate_password("une-phrase-de-passe-longue")


@pytest.mark.django_db
def test_lockout_after_repeated_failures(personas, client):
    for _ in range(5):
        client.post("/comptes/connexion/", {"username": "arthur", "password": "mauvais-mot-de-passe"})
    response = client.post("/comptes/connexion/", {"username": "arthur", "password": PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives de connexion infructueuses" in response.content.decode()


@pytest.mark.django_db
def test_login_works_with_the_right_password(personas, client):
    response = client.post("/comptes/connexion/", {"username": "arthur", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_scheduler_enqueues_each_job_once_per_interval(settings):
    from django_tasks_db.models import DBTaskResult

    settings.PERIODIC_JOBS = {"purge-expired-people": settings.PERIODIC_JOBS["purge-expired-people"]}
    before = DBTaskResult.objects.count()
    assert enqueue_due_jobs() == ["purge-expired-people"]
    assert enqueue_due_jobs() == []  # a second scheduler (or a restart) does not enqueue again
    assert DBTaskResult.objects.count() == before + 1
    assert PeriodicJobRun.objects.filter(name="purge-expired-people").exists()


@pytest.mark.django_db
def test_createsuperuser_makes_an_administrator():
    from maillage.accounts.models import User

    user = User.objects.create_superuser("root", "root@example.org", "une-phrase-de-passe-longue")
    assert user.role == "admin"


def test_every_periodic_job_names_an_importable_task(settings):
    from django.utils.module_loading import import_string

    for spec in settings.PERIODIC_JOBS.values():
        assert hasattr(import_string(spec["task"]), "enqueue")
