#!/usr/bin/env python3
"""Maillage's everyday commands, with nothing but Python 3.11+ installed.

    python3 dev.py start   install, migrate, load the referential and demo, run web + worker + scheduler
    python3 dev.py test    lint, then the whole test suite on SQLite and on PostgreSQL

Environment knobs for `test`: MAILLAGE_REQUIRE_POSTGRES=1 and MAILLAGE_REQUIRE_BROWSER=1 turn a
missing PostgreSQL or Chromium into a failure (CI sets both); PYTEST_ARGS adds pytest arguments.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import venv
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
MARKER = VENV / ".maillage-installed"


def say(message: str) -> None:
    print(f"\033[1m▸ {message}\033[0m", flush=True)


def run(*args: str, env: dict[str, str] | None = None, check: bool = True) -> int:
    code = subprocess.call(list(args), cwd=ROOT, env=env)
    if check and code != 0:
        sys.exit(code)
    return code


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 – this script runs on whatever python3 the machine has
        sys.exit("Maillage demande Python 3.11 ou plus récent.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if MARKER.exists() and MARKER.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        say("Création de l'environnement virtuel .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("Installation des dépendances (quelques minutes la première fois)")
    run(str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(str(PYTHON), "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    MARKER.write_text(wanted)


def manage(*args: str, env: dict[str, str] | None = None) -> None:
    run(str(PYTHON), "manage.py", *args, env=env)


def start() -> None:
    ensure_venv()
    env = {**os.environ, "MAILLAGE_ENV": os.environ.get("MAILLAGE_ENV", "development")}
    say("Base de données (SQLite embarquée : var/maillage.sqlite3)")
    manage("migrate", "--noinput", "-v", "0", env=env)
    say("Référentiel territorial et données de démonstration")
    manage("load_demo", env=env)
    children = [
        subprocess.Popen([str(PYTHON), "manage.py", "db_worker"], cwd=ROOT, env=env),
        subprocess.Popen([str(PYTHON), "manage.py", "run_scheduler"], cwd=ROOT, env=env),
    ]
    say("Maillage démarre sur http://127.0.0.1:8000 (Ctrl+C pour arrêter)")
    try:
        run(str(PYTHON), "manage.py", "runserver", "127.0.0.1:8000", env=env, check=False)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _initdb() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found)
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return candidates[0] if candidates else None


@contextmanager
def throwaway_postgres():
    """Yield a DATABASE_URL for a PostgreSQL server started for this run, or None."""
    initdb = _initdb()
    if initdb is None:
        if _reachable("127.0.0.1", 5432):
            say("PostgreSQL : serveur local 127.0.0.1:5432 (initdb introuvable)")
            yield "postgres://postgres@127.0.0.1:5432/postgres"
        else:
            yield None
        return
    bindir = initdb.parent
    workdir = Path(tempfile.mkdtemp(prefix="maillage-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        as_postgres = ["runuser", "-u", "postgres", "--"]
        shutil.chown(workdir, "postgres")
    data, port = workdir / "data", _free_port()
    say(f"PostgreSQL jetable : {bindir.parent.name}, port {port}")
    subprocess.run(
        [
            *as_postgres,
            str(initdb),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        [
            *as_postgres,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(workdir / "log"),
            "-w",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(workdir, ignore_errors=True)


def pytest_pass(label: str, database_url: str, extra: list[str]) -> int:
    say(f"Tests sur {label}")
    env = {**os.environ, "MAILLAGE_ENV": "test", "DATABASE_URL": database_url}
    return run(
        str(PYTHON),
        "-m",
        "pytest",
        "-n",
        os.environ.get("PYTEST_WORKERS", "2"),
        "--dist",
        "loadgroup",
        *extra,
        env=env,
        check=False,
    )


def test() -> None:
    ensure_venv()
    extra = os.environ.get("PYTEST_ARGS", "").split() + sys.argv[2:]
    say("Qualité : ruff, migrations")
    run(str(VENV / "bin" / "ruff"), "check", "maillage", "tests", "dev.py")
    run(str(VENV / "bin" / "ruff"), "format", "--check", "maillage", "tests", "dev.py")
    env = {**os.environ, "MAILLAGE_ENV": "test"}
    manage("makemigrations", "--check", "--dry-run", "-v", "0", env=env)
    results: dict[str, int | str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = pytest_pass("SQLite", f"sqlite:///{tmp}/maillage.sqlite3", extra)
    with throwaway_postgres() as url:
        if url is None:
            message = (
                "PostgreSQL introuvable : ni initdb ni serveur sur 127.0.0.1:5432. "
                "Installez-le (Debian : apt-get install postgresql) pour lancer la seconde passe."
            )
            results["PostgreSQL"] = message
        else:
            results["PostgreSQL"] = pytest_pass("PostgreSQL", url, extra)
    say("Résumé")
    failed = False
    for name, result in results.items():
        if isinstance(result, str):
            print(f"  {name} : NON LANCÉ – {result}")
            failed = failed or os.environ.get("MAILLAGE_REQUIRE_POSTGRES") == "1"
        else:
            print(f"  {name} : {'OK' if result == 0 else f'ÉCHEC (code {result})'}")
            failed = failed or result != 0
    sys.exit(1 if failed else 0)


COMMANDS = {"start": start, "test": test}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    COMMANDS[sys.argv[1]]()
