from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "plans_feed"

urlpatterns: list[URLPattern | URLResolver] = []  # the private calendar feed (plans/views_feed.py)
