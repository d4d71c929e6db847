"""``plan_today`` and ``plan_adherence`` for pages of the apps below plans.

Home (workouts) and the trend page (runs) show a line of the plan, but those
apps never import plans, nor name its templates (DESIGN §4: dependencies point
down). They render whatever templates ``home_panels`` and ``trend_panels`` list;
plans lists its own here, reading ``plan_today`` and ``plan_adherence``. Each
value is lazy, asked only when a template shows it, so every other page pays no
query for it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from runstrong.accounts.models import User
from runstrong.plans import selectors


def plan(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    return {
        "home_panels": ("plans/_today.html",),
        "trend_panels": ("plans/_adherence.html",),
        "plan_today": SimpleLazyObject(lambda: selectors.today_line(user)),
        "plan_adherence": SimpleLazyObject(lambda: selectors.adherence_recent(athlete=user)),
    }
