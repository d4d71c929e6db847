"""Community personas on top of tests/conftest.py's athlete and stranger.

- ``clubmate``: in a club with the athlete (the athlete is its admin);
- ``moderator``: staff, in no club;
- ``club``: the club the athlete and the clubmate share.

``client_for(user)`` gives a separate logged-in test client per persona, so
one test can act as several people.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from runstrong.community import services as social
from runstrong.community.models import Club


@pytest.fixture
def clubmate(db: None) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(
        "casey", "casey@example.com", "a third good passphrase", display_name="Casey"
    )


@pytest.fixture
def moderator(db: None) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(
        "morgan", "morgan@example.com", "moderating is kind work", is_staff=True
    )


@pytest.fixture
def club(athlete: Any, clubmate: Any) -> Club:
    club = social.club_create(creator=athlete, name="Tuesday Track")
    social.club_join(athlete=clubmate, token=club.invite_token)
    return club


@pytest.fixture
def client_for() -> Callable[[Any], Client]:
    def make(user: Any, **options: Any) -> Client:
        client = Client(**options)
        client.force_login(user)
        return client

    return make
