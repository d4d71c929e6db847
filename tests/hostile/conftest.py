"""What every door's hostile cases share: a client that meets the site as a
browser does, the refusal's two shapes (the site's page, the API's JSON), and
the "nothing half-written" check (every table's rows and every file in the
data folder, before and after)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from runstrong.workouts.models import Program, Result, WorkoutSession
from runstrong.workouts.services import session_start
from tests.community.share_helpers import parse
from tests.conftest import runstrong_env
from tests.workouts.factories import complete_session
from tests.workouts.test_programs_cli import Runner

# Markup a user may type into any text: it must come back as text, never as markup.
SCRIPT = '<script>alert("x")</script>'
JS_LINK = '<a href="javascript:alert(1)">me</a>'
RLO = "\u202e"  # right-to-left override: reverses everything shown after it
RUNNER_WOMAN = "🏃\u200d♀️"  # a runner, a zero-width joiner, a female sign


def row_counts() -> dict[str, int]:
    """Rows in each of the project's tables: a refused request changes none."""
    ours = {"accounts", "workouts", "community", "runs", "plans"}
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in ours
    }


def changed_rows(before: dict[str, int]) -> dict[str, int]:
    """The tables whose row count moved since ``before``, and by how much."""
    after = row_counts()
    return {label: after[label] - count for label, count in before.items() if after[label] != count}


def files_under(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {
        str(Path(root, name).relative_to(folder))
        for root, _, names in os.walk(folder)
        for name in names
    }


class Ledger:
    """Rows and files at the start of a case, to compare with after it."""

    def __init__(self, data_dir: Path, upload_dir: Path) -> None:
        self.data_dir = data_dir
        self.upload_dir = upload_dir
        self.rows = row_counts()
        self.files = self._files()

    def _files(self) -> set[str]:
        return files_under(self.data_dir) | {f"upload:{n}" for n in files_under(self.upload_dir)}

    def changed(self) -> dict[str, int]:
        return changed_rows(self.rows)

    def new_files(self) -> set[str]:
        return self._files() - self.files

    def assert_untouched(self) -> None:
        assert self.changed() == {}
        assert self.new_files() == set()


@pytest.fixture
def ledger_factory(settings: Any, tmp_path: Path) -> Any:
    """``ledger()`` takes stock; uploads spill to a folder of the test's own, so a
    temporary file left behind would be seen."""
    upload_dir = tmp_path / "uploads"
    upload_dir.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(upload_dir)
    return lambda: Ledger(Path(settings.DATA_DIR), upload_dir)


def browser(user: Any = None) -> Client:
    """A client as the served site meets one: CSRF checked, every error answered
    as a response, and the CSRF cookie already set by a page it has read."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    # Both pages hold a form: the log-out button, or the log-in form.
    client.get("/" if user is not None else "/accounts/log-in/")
    assert client.cookies["csrftoken"].value
    return client


def csrf_token(client: Client) -> str:
    return client.cookies["csrftoken"].value


def text_of(response: Any) -> str:
    """The page with its markup's line breaks as a reader sees them: spaces."""
    return " ".join(response.content.decode().split())


def assert_site_page(response: Any, status: int, sentence: str) -> None:
    """The site's own page (with its navigation), not Django's bare one, saying ``sentence``."""
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = text_of(response)
    assert 'class="site-header"' in page
    assert sentence in page


def assert_api_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body: dict[str, Any] = response.json()
    # The API's shape: a code, a sentence and the field at fault (or null).
    assert body["code"] == code and body["message"] and "field" in body
    return body


def assert_no_markup(html: str, *written: str) -> None:
    """What a user wrote is on the page as text only: none of it is markup. As a
    browser reads the page: no event handler, no script of ours saying alert, no
    link to a javascript: URL."""
    for text in written:
        assert text not in html, f"{text!r} is on the page unescaped"
    page = parse(html)
    assert page.handlers == []
    assert not [script for script in page.inline_scripts if "alert(" in script]
    assert not [
        link
        for link in page.links
        if link.get("href", "").strip().lower().startswith("javascript:")
    ]


@pytest.fixture(scope="session")
def runstrong(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    """``runstrong`` as a user runs it, on a data folder and database of its own,
    set up once for the whole suite: every case that uses it is refused and
    writes nothing (and the cases check so)."""
    folder = tmp_path_factory.mktemp("runstrong")
    with runstrong_env(folder / "data") as env:
        run = Runner(env, folder)
        run.ok("setup")
        yield run


@pytest.fixture
def result(athlete: Any, catalog_synced: None) -> Result:
    outcome = complete_session(athlete)
    assert outcome.result is not None
    return outcome.result


@pytest.fixture
def session(athlete: Any, catalog_synced: None) -> WorkoutSession:
    return session_start(athlete=athlete, program=Program.objects.get(slug="runners-250"))
