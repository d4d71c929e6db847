"""Hostile requests over HTTP (issue 17, part 3), sent as the served site receives them.

Each is refused with a sentence that says what to do, a 4xx status and nothing
written: pages get the site's own page, URLs under /api/ the API's JSON error.
The clients check CSRF like a browser's requests are checked and answer an
error as the served site does (DEBUG is off), instead of raising it here.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from runstrong.community import services as social
from runstrong.converters import IdConverter
from runstrong.runs.models import Activity, ImportItem
from runstrong.workouts.models import Program, Result, WorkoutSession
from runstrong.workouts.services import session_start
from tests.runs.conftest import gpx_run
from tests.workouts.factories import complete_session

pytestmark = pytest.mark.usefixtures("catalog_synced")

LARGEST_ID = 2**63 - 1  # the largest a BigAutoField holds
NOT_FOUND_PAGE = "There is nothing at this address."
JSON_BODY = json.dumps({"events": [{"seq": 0, "type": "start", "at": 1_760_000_000_000}]})


def row_counts() -> dict[str, int]:
    """Rows in each of the project's tables: a refused request changes none."""
    ours = {"accounts", "workouts", "community", "runs"}
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in ours
    }


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
    assert body["code"] == code and body["error"]
    return body


@pytest.fixture
def result(athlete: Any) -> Result:
    outcome = complete_session(athlete)
    assert outcome.result is not None
    return outcome.result


@pytest.fixture
def session(athlete: Any) -> WorkoutSession:
    return session_start(athlete=athlete, program=Program.objects.get(slug="runners-250"))


# ---------------------------------------------------------------------------
# 1. The session API takes JSON and nothing else.


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        # The test client encodes a dict as a well-formed multipart form.
        pytest.param(None, {"events": JSON_BODY}, id="multipart form"),
        pytest.param("multipart/form-data", b"--x\r\ngarbage", id="multipart with no boundary"),
        pytest.param("application/x-www-form-urlencoded", b"events=%5B%5D", id="url-encoded form"),
        pytest.param("text/plain", JSON_BODY, id="JSON sent as text/plain"),
    ],
)
def test_the_session_api_answers_a_body_that_is_not_json_with_a_415(
    athlete: Any, session: WorkoutSession, content_type: str | None, body: Any
) -> None:
    client = browser(athlete)
    before = row_counts()

    response = client.post(
        f"/api/sessions/{session.id}/events/",
        body,
        **({"content_type": content_type} if content_type else {}),
        headers={"X-CSRFToken": csrf_token(client)},
    )

    error = assert_api_error(response, 415, "unsupported_media_type")
    assert error["error"] == "send the events as JSON (Content-Type: application/json)"
    assert row_counts() == before


def test_the_session_api_still_takes_json_with_a_charset(
    athlete: Any, session: WorkoutSession
) -> None:
    client = browser(athlete)

    response = client.post(
        f"/api/sessions/{session.id}/events/",
        JSON_BODY,
        content_type="application/json; charset=utf-8",
        headers={"X-CSRFToken": csrf_token(client)},
    )

    assert response.status_code == 200 and response.json()["stored"] == 1


def test_the_session_api_still_checks_csrf_before_reading_json(
    athlete: Any, session: WorkoutSession
) -> None:
    client = browser(athlete)
    before = row_counts()

    response = client.post(
        f"/api/sessions/{session.id}/events/", JSON_BODY, content_type="application/json"
    )

    assert_api_error(response, 403, "csrf_failed")
    assert row_counts() == before


# ---------------------------------------------------------------------------
# 2. Ids beyond the database's range are no address of ours.

# Every URL that takes a database id: the id's name, the method that reaches
# its lookup and the form it sends (the club member's URL also takes the slug
# of the athlete's club).
ID_URLS: dict[str, tuple[str, str, dict[str, str]]] = {
    "community:result": ("result_id", "GET", {}),
    "community:cheer": ("result_id", "POST", {"kind": "strong", "on": "yes"}),
    "community:comment_add": ("result_id", "POST", {"text": "Well run"}),
    "community:visibility": ("result_id", "POST", {"visibility": "public"}),
    "community:boards": ("result_id", "POST", {"on_boards": "yes"}),
    "community:flag": ("result_id", "POST", {"reason": "too-fast"}),
    "community:comment_edit": ("comment_id", "POST", {"text": "Edited"}),
    "community:comment_delete": ("comment_id", "POST", {}),
    "community:club_member_remove": ("athlete_id", "POST", {}),
    "community:api_result": ("result_id", "GET", {}),
    "community_share:result": ("result_id", "GET", {}),
    "community_share:card": ("result_id", "GET", {}),
    "runs:import": ("batch_id", "GET", {}),
    "runs_analysis:run": ("activity_id", "GET", {}),
    "runs_analysis:sport": ("activity_id", "POST", {"sport": "running"}),
    "runs_analysis:delete": ("activity_id", "POST", {}),
    "plans:move": ("item_id", "POST", {"to": "2030-01-01"}),
    "plans:skip": ("item_id", "POST", {"reason": "Away"}),
    "plans:start": ("item_id", "POST", {}),
}
BEYOND_IDS = [LARGEST_ID, LARGEST_ID + 1, 2**64, 10**30]
SENTINEL_ID = 987_654_321


def every_url_pattern(
    resolver: URLResolver | None = None, namespace: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each pattern's full name and the converters of its whole route."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        converters = dict(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for name, more in every_url_pattern(entry, inner):
                yield name, {**converters, **more}
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", converters


def test_every_id_in_a_url_is_bounded_to_the_database_range() -> None:
    patterns = list(every_url_pattern())
    unbounded = [
        name for name, converters in patterns if IntConverter in map(type, converters.values())
    ]
    with_ids = {
        name for name, converters in patterns if IdConverter in map(type, converters.values())
    }

    assert unbounded == []
    assert with_ids == set(ID_URLS), "add the new URL to ID_URLS"


@pytest.mark.parametrize("url_name", ID_URLS)
@pytest.mark.parametrize("number", BEYOND_IDS, ids=["2^63-1", "2^63", "2^64", "10^30"])
def test_an_id_beyond_the_database_range_is_a_404(
    athlete: Any, result: Result, url_name: str, number: int
) -> None:
    club = social.club_create(creator=athlete, name="Tuesday Track")
    id_name, method, data = ID_URLS[url_name]
    kwargs: dict[str, Any] = {id_name: SENTINEL_ID}
    if url_name == "community:club_member_remove":
        kwargs["slug"] = club.slug
    url = reverse(url_name, kwargs=kwargs).replace(str(SENTINEL_ID), str(number))
    client = browser(athlete)
    before = row_counts()

    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, {**data, "csrfmiddlewaretoken": csrf_token(client)})

    assert response.status_code == 404
    if url.startswith("/api/"):
        assert_api_error(response, 404, "not_found")
    else:
        assert NOT_FOUND_PAGE in text_of(response)
    assert row_counts() == before


# ---------------------------------------------------------------------------
# 3. What Django's request parser refuses gets the site's page and a sentence.


def run_file(name: str) -> io.BytesIO:
    """A run file as a browser sends it: under its whole name (the test client
    would cut a SimpleUploadedFile's name to 255 characters before sending)."""
    file = io.BytesIO(gpx_run())
    file.name = name
    return file


def test_choosing_more_files_than_django_reads_gets_the_upload_page_and_its_limit(
    athlete: Any,
) -> None:
    client = browser(athlete)
    files = [run_file(f"run-{number}.gpx") for number in range(101)]
    before = row_counts()

    response = client.post(
        "/runs/upload/", {"uploads": files, "csrfmiddlewaretoken": csrf_token(client)}
    )

    assert_site_page(
        response,
        413,
        "That is more than 100 files; upload at most 50 at a time, or put them in one zip.",
    )
    assert "Upload runs" in text_of(response)  # the upload page itself, ready to try again
    assert row_counts() == before


def test_a_file_name_too_long_to_read_gets_the_upload_page_and_what_to_do(athlete: Any) -> None:
    client = browser(athlete)
    before = row_counts()

    response = client.post(
        "/runs/upload/",
        {"uploads": [run_file("a" * 10_000 + ".gpx")], "csrfmiddlewaretoken": csrf_token(client)},
    )

    assert_site_page(
        response,
        400,
        "A file name is too long to read: "
        "rename the file to something shorter and choose it again.",
    )
    assert "Upload runs" in text_of(response)
    assert row_counts() == before


def test_a_long_file_name_django_can_read_is_imported_under_255_characters(
    athlete: Any,
) -> None:
    """Not a refusal: below the parser's limit a long name is read, and Django
    cuts it to 255 characters (keeping the extension), the length of the
    columns it is stored in, which PostgreSQL enforces and SQLite does not."""
    client = browser(athlete)
    name = "run-" + "b" * 800 + ".gpx"

    response = client.post(
        "/runs/upload/", {"uploads": [run_file(name)], "csrfmiddlewaretoken": csrf_token(client)}
    )

    assert response.status_code == 302
    stored = ImportItem.objects.get()
    assert stored.status == "imported"
    assert stored.name == name[:251] + ".gpx"
    assert Activity.objects.get().original_name == stored.name


def test_a_garbled_upload_gets_the_upload_page_and_what_to_do(athlete: Any) -> None:
    client = browser(athlete)
    before = row_counts()

    response = client.post("/runs/upload/", b"--x\r\ngarbage", content_type="multipart/form-data")

    assert_site_page(
        response,
        400,
        "What was sent could not be read: it was cut off or garbled on the way. "
        "Go back, reload the page and send it again.",
    )
    assert "Upload runs" in text_of(response)
    assert row_counts() == before


def comment_form(text: str, client: Client) -> bytes:
    return urlencode({"text": text, "csrfmiddlewaretoken": csrf_token(client)}).encode()


# What each refusal sends to the comment form and what the page then says.
REFUSED_FORMS = {
    "a 3 MB comment": (
        lambda client: comment_form("x" * 3_000_000, client),
        "application/x-www-form-urlencoded",
        413,
        "That is more text than any form here takes: a comment can be at most 500 characters. "
        "Go back, shorten it and send it again.",
    ),
    "a form of 1,001 fields": (
        lambda client: (
            "&".join(["text=x"] * 999) + "&" + comment_form("", client).decode()
        ).encode(),
        "application/x-www-form-urlencoded",
        413,
        "That form sent more fields than any form here has. "
        "Go back, reload the page and send it again.",
    ),
    "a garbled multipart form": (
        lambda client: b"--x\r\ngarbage",
        "multipart/form-data",
        400,
        "What was sent could not be read: it was cut off or garbled on the way. "
        "Go back, reload the page and send it again.",
    ),
}


@pytest.mark.parametrize("case", REFUSED_FORMS)
def test_a_form_django_refuses_to_read_gets_the_site_page_and_what_to_do(
    athlete: Any, result: Result, case: str
) -> None:
    make_body, content_type, status, sentence = REFUSED_FORMS[case]
    client = browser(athlete)
    before = row_counts()

    response = client.post(
        f"/results/{result.pk}/comments/", make_body(client), content_type=content_type
    )

    assert_site_page(response, status, sentence)
    assert row_counts() == before


def test_a_wrong_host_name_gets_the_site_page_even_with_a_garbled_body(athlete: Any) -> None:
    client = browser(athlete)
    before = row_counts()

    response = client.post(
        "/clubs/",
        b"--x\r\ngarbage",
        content_type="multipart/form-data",
        headers={"Host": "evil.example"},
    )

    assert_site_page(
        response, 400, "This site does not answer to that host name: use its own address."
    )
    assert row_counts() == before


# ---------------------------------------------------------------------------
# 4. The API answers JSON, whatever goes wrong.


# Each API URL (filled in with the athlete's session and result) and the one
# method it answers.
API_URLS = {
    "session": ("/api/sessions/{session}/", "GET"),
    "session events": ("/api/sessions/{session}/events/", "POST"),
    "result": ("/api/results/{result}/", "GET"),
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def api_url(which: str, session: WorkoutSession, result: Result) -> str:
    return API_URLS[which][0].format(session=session.id, result=result.pk)


@pytest.mark.parametrize(
    ("which", "method"),
    [
        (which, method)
        for which, (_, allowed) in API_URLS.items()
        for method in METHODS
        if method != allowed
    ],
)
def test_a_wrong_method_on_the_api_is_a_405_in_json(
    athlete: Any, session: WorkoutSession, result: Result, which: str, method: str
) -> None:
    allowed = API_URLS[which][1]
    client = browser(athlete)
    before = row_counts()

    response = client.generic(
        method,
        api_url(which, session, result),
        JSON_BODY,
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token(client)},
    )

    error = assert_api_error(response, 405, "method_not_allowed")
    assert response["Allow"] == allowed and error["error"] == f"use {allowed}"
    assert row_counts() == before


def test_a_post_without_a_csrf_token_to_any_api_url_is_a_403_in_json(
    athlete: Any, session: WorkoutSession, result: Result
) -> None:
    client = browser(athlete)
    before = row_counts()

    for which in API_URLS:
        response = client.post(
            api_url(which, session, result), JSON_BODY, content_type="application/json"
        )

        assert_api_error(response, 403, "csrf_failed")
    assert row_counts() == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/no-such-thing/",
        f"/api/results/{LARGEST_ID}/",
        f"/api/sessions/{uuid.UUID(int=1)}/",  # no such session
        "/api/sessions/not-a-uuid/",
    ],
)
def test_a_missing_api_address_is_a_404_in_json(athlete: Any, url: str) -> None:
    response = browser(athlete).get(url)

    assert_api_error(response, 404, "not_found")


def test_a_request_the_api_cannot_read_is_a_400_in_json(result: Result) -> None:
    response = browser().get(f"/api/results/{result.pk}/", headers={"Host": "evil.example"})

    error = assert_api_error(response, 400, "malformed")
    assert error["error"] == "This site does not answer to that host name: use its own address."


def test_an_api_failure_is_a_500_in_json(result: Result, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("runstrong.community.selectors.result_visible_to", broken)

    response = browser().get(f"/api/results/{result.pk}/")

    error = assert_api_error(response, 500, "server_error")
    assert "RuntimeError" not in error["error"]
