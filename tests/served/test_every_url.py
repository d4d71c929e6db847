"""Every URL pattern of the URLconf, asked of the served site by a visitor, an
athlete and a moderator: no answer may be a server error.

The patterns are read from the URLconf itself, so a page added later is asked
too; a parameter with no sample value fails the test until one is given here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from .conftest import ServedSite
from .site import HttpClient

FAR_ID = 2**63  # beyond a signed 64-bit primary key: must still be a plain 404


@dataclass(frozen=True)
class Pattern:
    namespace: str
    name: str  # "namespace:name", or the route itself for an unnamed pattern
    route: str  # the whole route, each piece as its pattern spells it
    params: tuple[str, ...]


def _route_piece(entry: URLPattern | URLResolver) -> str:
    if isinstance(entry.pattern, RegexPattern):
        return str(entry.pattern.regex.pattern).removeprefix("^").removesuffix("$")
    return str(entry.pattern)


def _patterns(entries: list[Any], namespace: str = "", prefix: str = "") -> Iterator[Pattern]:
    for entry in entries:
        route = prefix + _route_piece(entry)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _patterns(entry.url_patterns, inner, route)
        elif isinstance(entry, URLPattern):
            name = entry.name or route
            params = tuple(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route))
            yield Pattern(
                namespace,
                f"{namespace}:{name}" if namespace else name,
                route,
                tuple(a or b for a, b in params),
            )


def url_patterns() -> list[Pattern]:
    return list(_patterns(get_resolver().url_patterns))


def build(pattern: Pattern, values: dict[str, str]) -> str:
    """The pattern's route with each parameter replaced by its value."""

    def value(match: re.Match[str]) -> str:
        return values[match["name"]]

    # A regex group (the admin's) is replaced whole, alternatives and all.
    path = re.sub(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)", value, pattern.route)
    path = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", value, path)
    return "/" + path


def sample(pattern: Pattern, param: str, data: dict[str, Any]) -> str:
    """A valid value for one parameter of one pattern, from the seed data."""
    namespace = pattern.namespace
    if namespace == "admin":
        if param == "app_label":
            return "accounts"
        if param in {"object_id", "id"}:
            app_label, model = pattern.route.split("/")[1:3]
            return str(data["admin_objects"].get(f"{app_label}_{model}", "1"))
        if param == "content_type_id":
            return "1"
        if param == "url":  # the admin's catch-all
            return "no-such-page/"
    by_name = {
        ("workouts", "slug"): data["program_slug"],
        ("community", "slug"): data["club_slug"],
        ("community", "token"): data["club_token"],
        ("accounts", "token"): data["reset_token"],
        ("accounts", "uidb64"): data["reset_uid"],
        # No plan in the seed: a made-up feed secret, which must be a plain 404.
        ("plans_feed", "token"): "no-such-feed-token",
        # No history upload in the seed: a key that names none, a plain 404.
        ("runs", "key"): "00000000-0000-4000-8000-000000000000",
    }
    by_param = {
        "program_slug": data["program_slug"],
        "result_id": data["result_id"],
        "session_id": data["session_id"],
        "athlete_id": data["clubmate_id"],
        "comment_id": data["comment_id"],
        "batch_id": data["batch_id"],
        "activity_id": data["activity_id"],
        "item_id": data["plan_item_id"],
    }
    value = by_name.get((namespace, param), by_param.get(param))
    if value is None:
        pytest.fail(f"no sample value for {param!r} of {pattern.name}: add one in {__file__}")
    return str(value)


def far_sample(pattern: Pattern, param: str, data: dict[str, Any]) -> str:
    """A value of the right shape that names nothing: the end of the id range."""
    value = sample(pattern, param, data)
    if value.isdigit():
        return str(FAR_ID)
    try:
        uuid.UUID(value)
    except ValueError:
        return "no-such-thing"
    return str(uuid.uuid4())


def urls(data: dict[str, Any], pick: Any = sample) -> list[tuple[str, str]]:
    found = []
    for pattern in url_patterns():
        values = {param: pick(pattern, param, data) for param in pattern.params}
        if pick is far_sample and not values:
            continue
        found.append((pattern.name, build(pattern, values)))
    return found


def personas(site: ServedSite) -> dict[str, HttpClient]:
    return {
        "visitor": site.client(),
        "athlete": site.logged_in("alex@example.com"),
        "moderator": site.logged_in("mo@example.com"),
    }


def server_errors(client: HttpClient, method: str, targets: list[tuple[str, str]]) -> list[str]:
    errors = []
    for name, path in targets:
        answer = client.get(path) if method == "GET" else client.post_form(path, {})
        if answer.status >= 500:
            errors.append(f"{method} {path} ({name}) -> {answer.status}")
    return errors


def test_every_url_pattern_has_sample_arguments(served_site: ServedSite) -> None:
    found = urls(served_site.data)
    assert len(found) == len(url_patterns()) > 40
    assert ("service-worker", "/sw.js") in found


def test_no_page_answers_a_server_error_to_any_visitor(served_site: ServedSite) -> None:
    targets = urls(served_site.data)
    errors = []
    for persona, client in personas(served_site).items():
        errors += [f"{persona}: {line}" for line in server_errors(client, "GET", targets)]
    assert errors == [], "\n".join(errors) + "\n" + served_site.log_tail()


def test_the_sample_arguments_name_real_things(served_site: ServedSite) -> None:
    """The sweep above means little if every sample were a 404: the athlete's own
    pages, found with the same samples, open."""
    athlete = served_site.logged_in("alex@example.com")
    statuses = {name: athlete.get(path).status for name, path in urls(served_site.data)}
    for name in (
        "workouts:program",
        "community:result",
        "workouts:session",
        "community:club",
        "community_boards:board",
        "community_share:result",
        "community_share:card",
        "api-v1:result_detail",
        "runs:import",
        "runs_analysis:run",
        "plans:plan",
        "api-v1:session_detail",
        "service-worker",
    ):
        assert statuses[name] == 200, (name, statuses[name])


def test_ids_that_name_nothing_are_not_found_never_a_server_error(
    served_site: ServedSite,
) -> None:
    targets = urls(served_site.data, pick=far_sample)
    errors = []
    for persona, client in personas(served_site).items():
        for method in ("GET", "POST"):
            errors += [f"{persona}: {line}" for line in server_errors(client, method, targets)]
    assert errors == [], "\n".join(errors) + "\n" + served_site.log_tail()


def test_the_service_worker_and_everything_it_keeps_are_served(served_site: ServedSite) -> None:
    client = served_site.client()
    answer = client.get("/sw.js")

    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/javascript")
    assert answer.headers["Service-Worker-Allowed"] == "/"
    precache = re.search(r"const PRECACHE = (\[.*?\]);", answer.text)
    assert precache, answer.text[:500]
    assets = re.findall(r'"([^"]+)"', precache[1])
    assert any(re.fullmatch(r"/static/runstrong/session/app\.[0-9a-f]{12}\.js", a) for a in assets)
    assert any(re.fullmatch(r"/static/runstrong/app\.[0-9a-f]{12}\.js", a) for a in assets)
    for asset in assets:
        served = client.get(asset)
        assert served.status == 200, asset
        # Hashed names never change content: cached for good by clients.
        assert "immutable" in served.headers.get("Cache-Control", ""), asset


def test_an_empty_form_posted_anywhere_is_never_a_server_error(served_site: ServedSite) -> None:
    """Last of this file: an empty form is a real request (leave a club, delete a
    comment), so the seed data is not the same after it. The admin's own views
    are left out: there an empty POST to a delete page is a confirmed delete."""
    # Log-out last: it ends the session the rest of the sweep is made with.
    targets = sorted(
        (target for target in urls(served_site.data) if not target[0].startswith("admin:")),
        key=lambda target: "logout" in target[0],
    )
    errors = []
    for persona, client in personas(served_site).items():
        errors += [f"{persona}: {line}" for line in server_errors(client, "POST", targets)]
    assert errors == [], "\n".join(errors) + "\n" + served_site.log_tail()
