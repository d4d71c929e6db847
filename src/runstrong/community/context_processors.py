"""``unread_notifications`` for the site's navigation (a "Notifications (3)" link).

Lazy: the count is asked only when a template shows it, and once per request,
so pages that never show it pay nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from runstrong.accounts.models import User
from runstrong.community import selectors


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(lambda: selectors.notification_unread_count(user))
    }
