from __future__ import annotations

app_name = "plans_feed"

urlpatterns: list = []  # the private calendar feed (plans/views_feed.py)
