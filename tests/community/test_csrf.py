"""Every social form refuses a request without its CSRF token."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from runstrong.community import services as social
from runstrong.community.models import Cheer, Club, Comment, Flag, Membership, Notification
from tests.community.social_helpers import finished

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]


@pytest.fixture
def setting(athlete: Any, clubmate: Any, stranger: Any, club: Club) -> dict[str, Any]:
    result = finished(athlete, "public")
    comment = social.comment_add(author=clubmate, result_id=result.pk, text="mine")
    return {
        "result": result.pk,
        "comment": comment.pk,
        "club": club.slug,
        "token": club.invite_token,
    }


@pytest.mark.parametrize(
    ("who", "path", "data"),
    [
        ("clubmate", "/results/{result}/cheers/", {"kind": "cheer"}),
        ("clubmate", "/results/{result}/comments/", {"text": "hi"}),
        ("clubmate", "/comments/{comment}/edit/", {"text": "changed"}),
        ("clubmate", "/comments/{comment}/delete/", {}),
        ("clubmate", "/results/{result}/flag/", {"reason": "other"}),
        ("athlete", "/results/{result}/visibility/", {"visibility": "private"}),
        ("athlete", "/results/{result}/boards/", {"on_boards": "no"}),
        ("athlete", "/clubs/", {"name": "New club"}),
        ("stranger", "/clubs/join/{token}/", {}),
        ("clubmate", "/clubs/{club}/leave/", {}),
        ("athlete", "/clubs/{club}/invite/", {}),
        ("athlete", "/notifications/read/", {}),
    ],
)
def test_a_social_form_without_its_csrf_token_is_refused(
    request: pytest.FixtureRequest,
    setting: dict[str, Any],
    who: str,
    path: str,
    data: dict[str, str],
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(request.getfixturevalue(who))
    before = (
        Cheer.objects.count(),
        list(Comment.objects.values_list("text", flat=True)),
        Flag.objects.count(),
        Club.objects.count(),
        Membership.objects.count(),
        Notification.objects.filter(read_at__isnull=False).count(),
    )

    response = client.post(path.format(**setting), data)

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    after = (
        Cheer.objects.count(),
        list(Comment.objects.values_list("text", flat=True)),
        Flag.objects.count(),
        Club.objects.count(),
        Membership.objects.count(),
        Notification.objects.filter(read_at__isnull=False).count(),
    )
    assert after == before
