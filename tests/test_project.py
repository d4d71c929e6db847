"""Whole-project guards: migrations, deployment settings, documentation, headers."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from runstrong.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


# DESIGN §4: dependencies point down. An app may import only the apps below it;
# an upper app hears about changes below through signals (e.g. workouts/signals.py).
APP_MAY_IMPORT = {
    "accounts": {"accounts"},
    "workouts": {"workouts", "accounts"},
    "community": {"community", "workouts", "accounts"},
    "runs": {"runs", "workouts", "accounts"},
    "plans": {"plans", "runs", "workouts", "accounts"},
}


def _runstrong_apps_imported(source: Path) -> set[str]:
    apps: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        names = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
        for name in names:
            parts = name.split(".")
            if parts[0] == "runstrong" and len(parts) > 1 and parts[1] in APP_MAY_IMPORT:
                apps.add(parts[1])
    return apps


def test_apps_import_only_the_apps_below_them() -> None:
    source_root = REPO / "src" / "runstrong"
    assert {path.name for path in source_root.iterdir() if (path / "apps.py").exists()} == set(
        APP_MAY_IMPORT
    ), "a new app needs its place in APP_MAY_IMPORT"
    upward = []
    for app, allowed in APP_MAY_IMPORT.items():
        for module in sorted((source_root / app).rglob("*.py")):
            if "migrations" in module.parts:
                continue
            for above in sorted(_runstrong_apps_imported(module) - allowed):
                upward.append(f"{module.relative_to(source_root)} imports runstrong.{above}")
    assert not upward, "imports that point up: " + "; ".join(upward)


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_deployment_check_is_clean_in_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "RUNSTRONG_DATA": str(tmp_path),
        "SECRET_KEY": "k" * 20 + "-production-secret-for-the-deploy-check-0123456789",
        "RUNSTRONG_HTTPS": "true",
        "ALLOWED_HOSTS": "runstrong.example",
        "DJANGO_SETTINGS_MODULE": "runstrong.settings",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "no issues" in completed.stdout


def test_a_bad_setting_stops_startup_with_a_message_naming_it(tmp_path: Path) -> None:
    env = {**os.environ, "RUNSTRONG_DATA": str(tmp_path), "DEBUG": "maybe"}
    completed = subprocess.run(
        [sys.executable, "-c", "import runstrong.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in completed.stderr


def test_every_cli_command_is_documented_in_the_readme() -> None:
    subcommands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    missing = [name for name in subcommands if f"runstrong {name}" not in README]
    assert not missing, f"README does not mention: {missing}"


def test_every_environment_setting_is_documented_in_the_readme() -> None:
    names: set[str] = set()
    for module in ("settings.py", "cli.py"):
        source = (REPO / "src" / "runstrong" / module).read_text()
        names |= set(re.findall(r'env_\w+\("([A-Z_]+)"', source))
        names |= set(re.findall(r'environ\.get\("([A-Z_]+)"', source))
    missing = sorted(name for name in names if f"`{name}`" not in README)
    assert names and not missing, f"README configuration lacks: {missing}"


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog_synced")
def test_home_page_lists_the_programs_with_strict_security_headers(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Runner&#x27;s 250" in html and "Runner&#x27;s 500" in html
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in html and " style=" not in html


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog_synced")
def test_program_page_shows_slots_cues_and_rotation(client: Client) -> None:
    html = client.get("/programs/runners-500/").content.decode()

    assert html.count("100 ×") == 5
    assert "Mountain climbers" in html and "Sit-ups" in html
    assert "Rotates" in html


@pytest.mark.django_db
def test_unknown_program_is_a_plain_404_page(client: Client) -> None:
    response = client.get("/programs/no-such-thing/")

    assert response.status_code == 404
    assert "Traceback" not in response.content.decode()


def test_a_refused_page_is_the_sites_own_page_with_what_to_do(client: Client, athlete: Any) -> None:
    # Staff without any permission asking for a part of the admin they may not see.
    athlete.is_staff = True
    athlete.save(update_fields=["is_staff"])
    client.force_login(athlete)

    response = client.get("/admin/community/club/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Not allowed</h1>" in html
    assert "log in again" in html
    assert "Traceback" not in html


def test_every_event_type_is_documented_in_the_readme() -> None:
    from runstrong.workouts.engine import EVENT_TYPES

    missing = [kind for kind in EVENT_TYPES if f"`{kind}`" not in README]
    assert not missing, f"README does not describe events: {missing}"


def test_every_page_title_is_plain_text() -> None:
    """A tag inside <title> shows as raw markup in the browser's tab and in link previews."""
    titles = {
        path.relative_to(REPO): match.group(1)
        for path in (REPO / "src" / "runstrong").rglob("templates/**/*.html")
        for match in re.finditer(
            r"{% block title %}(.*?){% endblock %}", path.read_text(), flags=re.DOTALL
        )
    }
    assert len(titles) > 20
    assert {path: title for path, title in titles.items() if "<" in title or "\n" in title} == {}


def test_tests_run_the_served_configuration_but_for_the_listed_differences() -> None:
    """Every setting a test sees is the one `runstrong serve` runs with, except
    those listed, each with its reason, in tests/conftest.py."""
    from django.conf import settings as running

    from tests.conftest import TEST_ONLY_DIFFERENCES

    script = (
        "import json, runstrong.settings as s\n"
        "print(json.dumps({k: repr(getattr(s, k)) for k in dir(s) if k.isupper()}))"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    served = json.loads(done.stdout)
    differ = {
        name
        for name, value in served.items()
        if name not in TEST_ONLY_DIFFERENCES and repr(getattr(running, name, None)) != value
    }
    detail = {name: (served[name], repr(getattr(running, name, None))) for name in differ}
    assert differ == set(), detail
    # And the list holds no stale entry: each one really differs.
    same = {name for name in TEST_ONLY_DIFFERENCES if repr(getattr(running, name)) == served[name]}
    assert same == set()
    # The static pipeline in particular: hashed names, a strict manifest, WhiteNoise.
    assert running.STORAGES["staticfiles"]["BACKEND"] == "runstrong.storage.StaticStorage"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in running.MIDDLEWARE


@pytest.mark.parametrize(
    ("module", "imported"),
    [
        ("runstrong/session/app.js", "runstrong/session/engine.js"),
        ("runstrong/community/share.js", "runstrong/copy.js"),
        ("runstrong/accounts/tokens.js", "runstrong/copy.js"),
    ],
)
def test_our_collected_modules_import_the_hashed_files_beside_them(
    module: str, imported: str
) -> None:
    """A hashed module that imported a plain name would get whichever version of
    that file the browser has cached, not the one released with it."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    text = Path(staticfiles_storage.path(staticfiles_storage.stored_name(module))).read_text()
    hashed = staticfiles_storage.stored_name(imported)
    assert Path(hashed).name != Path(imported).name  # a hash in the name
    imports = re.findall(r'^import .* from "([^"]+)";$', text, flags=re.MULTILINE)
    assert any(path.endswith("/" + Path(hashed).name) for path in imports), imports
    assert not any(path.endswith("/" + Path(imported).name) for path in imports), imports
    assert Path(staticfiles_storage.path(hashed)).exists()
